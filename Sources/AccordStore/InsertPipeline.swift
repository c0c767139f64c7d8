import AccordCore
import Foundation
import GRDB

/// The rows one write transaction inserts, waiting for their SQL: log rows, collection rows and
/// signatures.
struct InsertBatch {
    /// A row of `accord_log`: up to `LogSegment.maxRuns` runs of one author, encoded by the
    /// thread that inserts them.
    struct Segment {
        var replica: Int64
        var firstSeq: Int64
        var lastSeq: Int64
        var previousHash: ChangeHash?
        var runs: [ChangeRun]
    }

    struct Signature {
        var replica: Int64
        var seq: Int64
        var bytes: [UInt8]
    }

    var segments: [Segment] = []
    /// Records whose collection row is written: each as merged when it was queued.
    var rows: [RecordState] = []
    var signatures: [Signature] = []

    var count: Int { segments.count + rows.count + signatures.count }

    mutating func removeAll() {
        segments.removeAll(keepingCapacity: true)
        rows.removeAll(keepingCapacity: true)
        signatures.removeAll(keepingCapacity: true)
    }
}

/// Executes the inserts of a large write transaction on a second thread, while the calling
/// thread validates, hashes and merges the next runs: on this two-core machine that is what
/// brings a 10,000-record import near SQLite's own insert speed (BENCHMARKS.md, (2) and (4)).
///
/// One SQLite connection must never be used by two threads at once, so the caller hands the
/// connection over: while a batch is out, the caller touches neither the database nor
/// `execute`'s statements, and before any SQL of its own it calls `flush()`, which waits for the
/// worker and runs what is still queued. Small transactions never start the thread: their one
/// batch runs at `flush()` on the calling thread.
final class InsertPipeline: @unchecked Sendable {
    /// Inserts one batch; it runs on the worker thread or, at `flush()`, on the caller's.
    private let execute: (inout InsertBatch) throws -> Void
    /// Queued items that make a full batch (log rows, collection rows and signatures alike).
    private let batchSize: Int
    /// What the caller is filling.
    var current = InsertBatch()

    private let condition = NSCondition()
    // Guarded by `condition`:
    private var queued: [InsertBatch] = []
    private var spare: [InsertBatch] = []
    private var workerIsBusy = false
    private var failure: Error?
    private var closing = false
    private var worker: Thread?
    private var workerExited = false

    init(batchSize: Int = 128, execute: @escaping (inout InsertBatch) throws -> Void) {
        self.batchSize = batchSize
        self.execute = execute
    }

    /// Hands `current` to the worker once it is full (starting the worker the first time). At
    /// most two batches wait, so memory stays bounded however long the transaction is.
    func submitIfFull() throws {
        guard current.count >= batchSize else { return }
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        // After `close` nothing may be queued: it would never be inserted.
        guard !closing else { throw DatabaseError(message: "an insert was queued after its transaction ended") }
        if worker == nil { startWorker() }
        while queued.count >= 2 && failure == nil { condition.wait() }
        if let failure { throw failure }
        queued.append(current)
        current = spare.popLast() ?? InsertBatch()
        condition.broadcast()
    }

    /// Waits until every handed-over batch is inserted, then inserts `current` on this thread.
    /// Afterwards the caller owns the connection again; the first insert error is thrown here.
    func flush() throws {
        condition.lock()
        while (!queued.isEmpty || workerIsBusy) && failure == nil { condition.wait() }
        let failure = failure
        condition.unlock()
        if let failure { throw failure }
        if current.count > 0 {
            try execute(&current)
            current.removeAll()
        }
    }

    /// Stops the worker, dropping what it has not inserted (the transaction is rolled back on
    /// an error; after `flush()` nothing is left). Returns once the worker no longer touches the
    /// connection, so it must run before the transaction ends, whichever way it ends.
    func close() {
        condition.lock()
        closing = true
        queued.removeAll()
        condition.broadcast()
        while worker != nil && !workerExited { condition.wait() }
        condition.unlock()
    }

    deinit { close() }

    private func startWorker() {
        let thread = Thread { [unowned self] in self.work() }
        thread.name = "accord-inserts"
        worker = thread
        thread.start()
    }

    private func work() {
        condition.lock()
        while true {
            while queued.isEmpty && !closing { condition.wait() }
            if queued.isEmpty { break }
            var batch = queued.removeFirst()
            workerIsBusy = true
            let skip = failure != nil
            condition.unlock()
            var error: Error?
            if !skip {
                do { try execute(&batch) } catch let thrown { error = thrown }
            }
            batch.removeAll()
            condition.lock()
            workerIsBusy = false
            if failure == nil, let error { failure = error }
            spare.append(batch)
            condition.broadcast()
        }
        workerExited = true
        condition.broadcast()
        condition.unlock()
    }
}
