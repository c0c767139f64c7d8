import AccordCore
import Foundation
import GRDB

/// The read side of a transaction: the replicas table, and the replays of the log (one record,
/// every record in passes, every record on every core).
struct ReadContext {
    let db: Database
    var replicas: [ReplicaID: KnownReplica] = [:]
    var byIndex: [Int64: KnownReplica] = [:]
    /// How many records a pass of `forEachRecord` replays at once.
    let recordsInMemory: Int

    init(_ db: Database, recordsInMemory: Int = ReplicaStore.defaultRecordsInMemory) throws {
        self.db = db
        self.recordsInMemory = max(1, recordsInMemory)
        for row in try Row.fetchAll(db, sql: "SELECT idx, id, office, role, name, head_seq, head_hash, public_key FROM accord_replica") {
            let replica = try KnownReplica(row: row)
            replicas[replica.id] = replica
            byIndex[replica.index] = replica
        }
    }

    func authorInfo(_ id: ReplicaID) -> AuthorInfo? {
        replicas[id].flatMap { replica in replica.author.map { AuthorInfo(author: $0, name: replica.name, publicKey: replica.publicKey) } }
    }

    /// The runs of a log row whose columns begin with first_seq, prev_hash, runs, each chained
    /// to the one before it.
    func runs(of author: ReplicaID, in row: Row, hasher: inout ChangeHasher) throws -> [ChangeRun] {
        try LogSegment.chain(Array(row[2] as Data), author: author, firstSeq: UInt64(row[0] as Int64),
                             previousHash: (row[1] as Data?).flatMap { ChangeHash(bytes: Array($0)) }, hasher: &hasher).runs
    }

    /// A row of the log, as `forEachLogRow` reads it.
    struct LogRow {
        var author: ReplicaID
        var firstSeq: UInt64
        var previousHash: ChangeHash?
        var received: UInt64
        var runs: [UInt8]
    }

    /// Calls `body` with every log row received by `instant` (if given) and, if `id` is given,
    /// holding a run of that record. The log has no record index: such rows are found by the
    /// record id's bytes (SQLite's `instr`), and the caller compares each run's id exactly
    /// (`LogSegment.Reader.run(_:isOf:)`).
    func forEachLogRow(containing id: RecordID? = nil, receivedUpTo instant: UInt64?, _ body: (LogRow) throws -> Void) throws {
        let conditions: [String] = (id == nil ? [] : ["instr(runs, ?) > 0"]) + (instant == nil ? [] : ["received <= ?"])
        var rows = try RawStatement(db, sql: "SELECT replica, first_seq, received, prev_hash, runs FROM accord_log"
                                        + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")))
        defer { rows.reset() }
        if let id { rows.bind(Array(id.rawValue.utf8)) }
        if let instant { rows.bind(Int64(instant)) }
        while try rows.next() {
            try body(LogRow(author: try author(rows.int64(at: 0)), firstSeq: UInt64(rows.int64(at: 1)),
                            previousHash: rows.isNull(at: 3) ? nil : ChangeHash(bytes: rows.blob(at: 3)),
                            received: UInt64(rows.int64(at: 2)), runs: rows.blob(at: 4)))
        }
    }

    func author(_ index: Int64) throws -> ReplicaID {
        guard let author = byIndex[index]?.id else { throw DatabaseError(message: "accord_log names unknown replica index \(index)") }
        return author
    }

    /// Replays the log record by record, in record id order, handing each record's merged state
    /// to `body`: what `rebuild` writes, `verify` compares with the tables and `list --as-of`
    /// prints. Only records of `kind` if given, only runs received by `instant` if given.
    ///
    /// The log is kept in the order it was stored, not by record, so each pass over it replays
    /// the records of one range of ids into memory, then hands them on sorted. Up to
    /// `recordsInMemory` records are one pass; more are cut into ranges of about that many
    /// (`passes(of:)`), so memory stays bounded however large the replica. `passes` lets a
    /// caller plan them before it changes the tables they are planned from.
    func forEachRecord(of kind: RecordKind? = nil, receivedUpTo instant: UInt64? = nil, passes: [ReplayPass]? = nil,
                       _ body: (RecordState) throws -> Void) throws {
        try forEachPass(of: kind, receivedUpTo: instant, passes: passes) { states in
            // Ids are ASCII, whose String order is byte order (SQLite's for the tables). The
            // states are sorted in place: moving one copies its bytes and retains nothing.
            states.sort { $0.id.rawValue < $1.id.rawValue }
            for state in states { try body(state) }
        }
    }

    /// `forEachRecord` a pass at a time: `body` gets the records of each pass in the order the
    /// replay met them, which is also the order their memory was allocated in.
    func forEachPass(of kind: RecordKind? = nil, receivedUpTo instant: UInt64? = nil, passes: [ReplayPass]? = nil,
                     _ body: (inout [RecordState]) throws -> Void) throws {
        for pass in try passes ?? self.passes(of: kind) {
            var replay = PassReplay(pass: pass)
            try forEachLogRow(receivedUpTo: instant) { row in try replay.add(row.runs, author: row.author, firstSeq: row.firstSeq) }
            try body(&replay.states)
        }
    }

    /// The records of one collection replayed on every core: the log is read once into memory,
    /// then each core replays one range of ids and hands its records (in the order the replay
    /// met them) to `transform`, which runs there too. Returns the results in id order of the
    /// ranges, or nil when the collection has more than `recordsInMemory` records or its log
    /// more than `logBytesInMemory` bytes (then `forEachPass` replays it a range at a time).
    func mapInParallel<T: Sendable>(of kind: RecordKind, receivedUpTo instant: UInt64?,
                                    _ transform: @escaping @Sendable ([RecordState]) -> T) throws -> [T]? {
        let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(kind.rawValue)") ?? 0
        guard count <= recordsInMemory else { return nil }
        var ranges = [ReplayPass(kind: kind, lower: nil, upper: nil)]
        if count >= 2_000, ProcessInfo.processInfo.activeProcessorCount > 1,
           let middle = try String.fetchOne(db, sql: "SELECT id FROM \(kind.rawValue) ORDER BY id LIMIT 1 OFFSET ?", arguments: [count / 2]) {
            ranges = [ReplayPass(kind: kind, lower: nil, upper: middle), ReplayPass(kind: kind, lower: middle, upper: nil)]
        }
        var rows: [LogRow] = []
        var bytes = 0
        try forEachLogRow(receivedUpTo: instant) { row in
            bytes += row.runs.count
            if bytes <= Self.logBytesInMemory { rows.append(row) }
        }
        guard bytes <= Self.logBytesInMemory else { return nil }
        let results = ParallelResults<T>(count: ranges.count)
        DispatchQueue.concurrentPerform(iterations: ranges.count) { [rows, ranges] index in
            results.set(index, Result {
                var replay = PassReplay(pass: ranges[index])
                for row in rows { try replay.add(row.runs, author: row.author, firstSeq: row.firstSeq) }
                return transform(replay.states)
            })
        }
        return try results.values()
    }

    /// How much of the log `mapInParallel` reads into memory at most.
    static let logBytesInMemory = 256 << 20

    /// The passes that replay the records of `kind` (every kind if nil): one when the tables
    /// hold at most `recordsInMemory` of them, else ranges of about that many ids of each kind,
    /// taken from its table. Together they cover every id, so a record only the log knows still
    /// falls in one.
    func passes(of kind: RecordKind?) throws -> [ReplayPass] {
        let kinds = kind.map { [$0] } ?? RecordKind.allCases
        var counts: [RecordKind: Int] = [:]
        for kind in kinds { counts[kind] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(kind.rawValue)") ?? 0 }
        if counts.values.reduce(0, +) <= recordsInMemory { return [ReplayPass(kind: kind, lower: nil, upper: nil)] }
        var passes: [ReplayPass] = []
        for kind in kinds {
            var bounds: [String] = []
            if counts[kind]! > recordsInMemory {
                let ids = try String.fetchCursor(db, sql: "SELECT id FROM \(kind.rawValue) ORDER BY id")
                var index = 0
                while let id = try ids.next() {
                    if index > 0 && index % recordsInMemory == 0 { bounds.append(id) }
                    index += 1
                }
            }
            passes += zip([nil] + bounds, bounds + [nil]).map { ReplayPass(kind: kind, lower: $0, upper: $1) }
        }
        return passes
    }
}

/// The records of one `ReplayPass`, replayed from log rows as they come.
struct PassReplay {
    let pass: ReplayPass
    private var slots = RecordSlots()
    var states: [RecordState] = []

    init(pass: ReplayPass) { self.pass = pass }

    mutating func add(_ runs: [UInt8], author: ReplicaID, firstSeq: UInt64) throws {
        var segment = LogSegment.Reader(runs, firstSeq: firstSeq)
        while let run = try segment.next(of: pass.kind) {
            guard pass.contains(run.record) else { continue }
            let slot = slots.slot(of: run.record, ids: { states[$0].id }) {
                states.append(RecordState(id: run.record))
                return states.count - 1
            }
            try segment.apply(run, author: author, to: &states[slot])
        }
    }
}

/// What each thread of `ReadContext.mapInParallel` produced, collected under a lock.
private final class ParallelResults<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<T, Error>?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<T, Error>) { lock.withLock { results[index] = result } }

    func values() throws -> [T] { try lock.withLock { try results.map { try $0!.get() } } }
}

/// One pass of `ReadContext.forEachRecord`: the records of one kind (every kind if nil) whose
/// ids are from `lower` (included) to `upper` (excluded) in byte order; nil is unbounded.
struct ReplayPass {
    var kind: RecordKind?
    var lower: String?
    var upper: String?

    func contains(_ id: RecordID) -> Bool {
        if let kind, id.kind != kind { return false }
        if let lower, id.rawValue < lower { return false }
        if let upper, !(id.rawValue < upper) { return false }
        return true
    }
}
