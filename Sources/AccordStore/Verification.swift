import AccordCore
import Foundation
import GRDB

/// One thing `verify` found wrong, named precisely enough to find the row at fault.
public struct VerificationProblem: Sendable, Hashable, CustomStringConvertible {
    /// A stable identifier: `chain-gap`, `chain-broken`, `head-mismatch`, `unknown-author`,
    /// `unknown-key`, `signature-invalid`, `unsigned`, `key-mismatch`, `unauthorized`, `schema`,
    /// `undecodable`, `receipt-mismatch`, `table-mismatch`, `table-extra-row`.
    public var rule: String
    public var replica: ReplicaID?
    public var seq: UInt64?
    public var record: String?
    public var message: String

    public var description: String {
        var place: [String] = []
        if let replica { place.append("replica \(replica)" + (seq.map { " seq \($0)" } ?? "")) }
        if let record { place.append("record \(record)") }
        return "\(rule): " + (place.isEmpty ? "" : place.joined(separator: ", ") + ": ") + message
    }
}

/// What `verify` checked and found.
public struct VerificationReport: Sendable, Hashable {
    public var replicas = 0
    public var changes = 0
    public var records = 0
    public var problems: [VerificationProblem] = []
    /// True when more problems were found than were kept.
    public var truncated = false

    public var isValid: Bool { problems.isEmpty }
}

extension ReplicaStore {
    /// Checks the whole replica offline, trusting nothing but the log's own hashes:
    ///
    /// - every replica's chain is complete (sequence numbers 1…head, no gap, no overlap) and
    ///   unbroken (each run names the hash of the change before it), and ends at the head hash
    ///   recorded for that replica;
    /// - every stored signature verifies with its author's key over the recomputed chain hash,
    ///   and every chain's last change is signed, so each change is vouched for by its author;
    ///   a key agrees with the registry's record of it and with this replica's own key file;
    /// - every change is by a replica with a known office and role, is authorised by the rules
    ///   (`Authorization.check`) and fits the schema (`ChangeCheck`);
    /// - the times the runs were received (what `--as-of` replays against) add up to the
    ///   replica's receipt digest (`ReceiptDigest`);
    /// - every collection table equals a replay of the log, row for row and value for value.
    ///
    /// So a value altered, a change deleted or reordered, or a table row edited, inserted or
    /// removed behind Accord's back is reported with the replica, sequence number or record at
    /// fault. Keeps at most `maxProblems` problems.
    ///
    /// The chains and the tables are checked at the same time on two connections (two cores):
    /// this connection holds the write lock (`BEGIN IMMEDIATE`, so no process can commit in
    /// between) while a reader replays the log against the tables, so both see one state.
    ///
    /// The table replay holds at most `recordsInMemory` records at a time.
    public func verify(maxProblems: Int = 100, recordsInMemory: Int = ReplicaStore.defaultRecordsInMemory) throws -> VerificationReport {
        do {
            return try pool.writeWithoutTransaction { db in
                var chains: (report: VerificationReport, problems: ProblemList)?
                var tables: Result<TableCheck, Error>?
                // Wait less than a write would for another process to finish its transaction.
                try db.execute(sql: "PRAGMA busy_timeout = \(Self.lockWaitMillis)")
                defer { try? db.execute(sql: "PRAGMA busy_timeout = \(Self.busyTimeoutMillis)") }
                try db.inTransaction(.immediate) {
                    let done = DispatchSemaphore(value: 0)
                    let handOver = TableCheckResult()
                    DispatchQueue.global().async { [pool] in
                        handOver.result = Result { try pool.read { db in try Self.checkTables(db, maxProblems: maxProblems, recordsInMemory: recordsInMemory) } }
                        done.signal()
                    }
                    defer { done.wait(); tables = handOver.result }
                    chains = try checkChains(db, maxProblems: maxProblems)
                    return .rollback
                }
                return try Self.combine(chains!, tables!.get())
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            // Another process kept the write lock for the whole busy timeout: check on one
            // connection, in one read transaction, which needs no lock.
            return try pool.read { db in
                let tables = try Self.checkTables(db, maxProblems: maxProblems, recordsInMemory: recordsInMemory)
                return try Self.combine(checkChains(db, maxProblems: maxProblems), tables)
            }
        }
    }

    /// How long `verify` waits for another process's write to end before it checks on one core.
    static let lockWaitMillis = 2_000

    /// What the table half of `verify` found.
    typealias TableCheck = (records: Int, problems: ProblemList)

    private static func checkTables(_ db: Database, maxProblems: Int, recordsInMemory: Int) throws -> TableCheck {
        var problems = ProblemList(limit: maxProblems)
        let records = try ReadContext.mapped(db) {
            try verifyTables(db, context: try ReadContext(db, recordsInMemory: recordsInMemory), problems: &problems)
        }
        return (records, problems)
    }

    /// The chain half of `verify`, with this replica's own key checked against its key file.
    private func checkChains(_ db: Database, maxProblems: Int) throws -> (report: VerificationReport, problems: ProblemList) {
        var report = VerificationReport()
        var problems = ProblemList(limit: maxProblems)
        let context = try ReadContext(db)
        report.replicas = context.replicas.count
        report.changes = try ReadContext.mapped(db) { try Self.verifyChains(db, context: context, problems: &problems) }
        if let own = context.replicas[identity.id], let key = signingKey?.publicKey, own.publicKey != key {
            problems.add(VerificationProblem(rule: "key-mismatch", replica: identity.id, seq: nil, record: nil,
                                             message: "accord_replica holds key \(own.publicKey?.hex.prefix(16) ?? "none") for this replica, but its key file holds \(key.hex.prefix(16))"))
        }
        return (report, problems)
    }

    private static func combine(_ chains: (report: VerificationReport, problems: ProblemList), _ tables: TableCheck) -> VerificationReport {
        var report = chains.report
        var problems = chains.problems
        report.records = tables.records
        problems.add(contentsOf: tables.problems)
        report.problems = problems.kept
        report.truncated = problems.truncated
        return report
    }

    /// Checks every chain, change by change; returns how many changes the log holds.
    private static func verifyChains(_ db: Database, context: ReadContext, problems: inout ProblemList) throws -> Int {
        var changeCount = 0
        func add(_ problem: VerificationProblem) { problems.add(problem) }
        var hasher = ChangeHasher()
        var current: KnownReplica?
        var nextSeq: UInt64 = 1
        var previous: ChangeHash?
        var signatures = try SignatureLedger(db)
        var lastSigned: UInt64 = 0
        /// The rules every change of `run` must follow: a known author, authorised, in the schema.
        func check(_ run: ChangeRun, of replica: KnownReplica) {
            if let author = replica.author {
                if let refusal = Authorization.check(author: author, record: run.record) {
                    add(VerificationProblem(rule: "unauthorized", replica: replica.id, seq: run.firstSeq, record: run.record.rawValue,
                                            message: "\(refusal.rule): \(refusal.message)"))
                }
            } else {
                add(VerificationProblem(rule: "unknown-author", replica: replica.id, seq: run.firstSeq, record: run.record.rawValue,
                                        message: "the replica has no known office and role, so its changes cannot be authorised"))
            }
            for (offset, entry) in run.entries.enumerated() {
                if let problem = ChangeCheck.problem(kind: run.record.kind, field: entry.field, element: entry.element, value: entry.value) {
                    add(VerificationProblem(rule: "schema", replica: replica.id, seq: run.firstSeq + UInt64(offset), record: run.record.rawValue, message: problem))
                }
            }
        }
        func closeChain() {
            guard let replica = current else { return }
            if replica.publicKey == nil {
                add(VerificationProblem(rule: "unknown-key", replica: replica.id, seq: nil, record: nil,
                                        message: "no public key is known for this replica, so none of its signatures can be checked"))
            } else if lastSigned < nextSeq - 1 {
                add(VerificationProblem(rule: "unsigned", replica: replica.id, seq: lastSigned + 1, record: nil,
                                        message: "changes \(lastSigned + 1)…\(nextSeq - 1) carry no signature of their author (signatures deleted, or changes added behind Accord's back)"))
            }
            for seq in signatures.remaining(of: replica.index) {
                add(VerificationProblem(rule: "signature-invalid", replica: replica.id, seq: seq, record: nil,
                                        message: "a signature is stored for seq \(seq), which is not a change of this replica's chain"))
            }
            if nextSeq - 1 != replica.headSeq || previous != replica.headHash {
                add(VerificationProblem(rule: "head-mismatch", replica: replica.id, seq: replica.headSeq, record: nil,
                                        message: "the log ends at seq \(nextSeq - 1) with hash \(previous?.hex.prefix(16) ?? "none"), but the replica's recorded head is seq \(replica.headSeq) with hash \(replica.headHash?.hex.prefix(16) ?? "none") (changes deleted, or the head altered)"))
            }
        }
        let rows = try Row.fetchCursor(db, sql: "SELECT replica, first_seq, last_seq, received, prev_hash, runs FROM accord_log ORDER BY replica, first_seq")
        var receipts = ReceiptDigest()
        while let row = try rows.next() {
            let index: Int64 = row[0]
            let firstSeq = UInt64(row[1] as Int64)
            let lastSeq = UInt64(row[2] as Int64)
            guard let replica = context.byIndex[index] else {
                add(VerificationProblem(rule: "unknown-author", replica: nil, seq: firstSeq, record: nil,
                                        message: "the log names replica index \(index), which is not in accord_replica"))
                continue
            }
            receipts.add(author: replica.id, firstSeq: firstSeq, lastSeq: lastSeq, received: row[3])
            if current?.index != index {
                closeChain()
                current = replica
                nextSeq = 1
                previous = nil
                lastSigned = 0
            }
            let stated = (row[4] as Data?).flatMap { ChangeHash(bytes: Array($0)) }
            if firstSeq != nextSeq {
                let message = firstSeq > nextSeq
                    ? "changes \(nextSeq)…\(firstSeq - 1) are missing from the log"
                    : "the log row starting at seq \(firstSeq) overlaps changes already in the chain (up to \(nextSeq - 1))"
                add(VerificationProblem(rule: "chain-gap", replica: replica.id, seq: firstSeq, record: nil, message: message))
            } else if stated != previous {
                add(VerificationProblem(rule: "chain-broken", replica: replica.id, seq: firstSeq, record: nil,
                                        message: "the change names previous hash \(stated?.hex.prefix(16) ?? "none"), but change \(firstSeq - 1) hashes to \(previous?.hex.prefix(16) ?? "none") (a change before it was altered, removed or reordered)"))
            }
            // The row's runs chain from the hash it names, as they were signed; a break is reported
            // once, where it is, not again at every signature after it.
            previous = stated
            var segment = LogSegment.Reader(Array(row[5] as Data), firstSeq: firstSeq)
            var rowSeqs = firstSeq
            do {
                while let located = try segment.next() {
                    let run = ChangeRun(author: replica.id, firstSeq: located.firstSeq, record: located.record, previousHash: previous,
                                        entries: try segment.entries(of: located))
                    check(run, of: replica)
                    let hashes = run.chainHashes(hasher: &hasher)
                    for (seq, bytes) in signatures.take(replica.index, in: run.firstSeq...run.lastSeq) {
                        let hash = hashes[Int(seq - run.firstSeq)]
                        guard let key = replica.publicKey else { continue }
                        if CommitSignature(author: replica.id, seq: seq, bytes: bytes).verifies(hash: hash, key: key) {
                            lastSigned = max(lastSigned, seq)
                        } else {
                            add(VerificationProblem(rule: "signature-invalid", replica: replica.id, seq: seq, record: run.record.rawValue,
                                                    message: "the signature over change \(seq) does not verify with the replica's key \(key.hex.prefix(16))… (the change or one before it altered, or the signature swapped)"))
                        }
                    }
                    previous = hashes.last
                    rowSeqs = run.lastSeq + 1
                    changeCount += run.entries.count
                }
            } catch {
                add(VerificationProblem(rule: "undecodable", replica: replica.id, seq: rowSeqs, record: nil,
                                        message: "the log row starting at seq \(firstSeq) cannot be decoded from seq \(rowSeqs) on: \(error)"))
            }
            if rowSeqs != lastSeq + 1 {
                add(VerificationProblem(rule: "chain-gap", replica: replica.id, seq: firstSeq, record: nil,
                                        message: "the log row says it holds changes \(firstSeq)…\(lastSeq), but its runs hold \(firstSeq)…\(rowSeqs - 1)"))
            }
            nextSeq = max(nextSeq, rowSeqs, lastSeq + 1)
        }
        closeChain()
        let stored = try ReceiptDigest.storedText(in: db)
        if stored.flatMap(ReceiptDigest.init(hex:)) != receipts {
            add(VerificationProblem(rule: "receipt-mismatch", replica: nil, seq: nil, record: nil,
                                    message: "the runs of the log and the times they were received do not add up to the receipt digest in accord_meta (\(stored?.prefix(16) ?? "none")…, the log gives \(receipts.hex.prefix(16))…): a received time was altered, or a run added or removed behind Accord's back, so --as-of answers cannot be trusted"))
        }
        // A replica with a head but no change at all in the log.
        let logged = Set(try Int64.fetchAll(db, sql: "SELECT DISTINCT replica FROM accord_log"))
        for replica in context.replicas.values.sorted(by: { $0.id < $1.id }) where replica.headSeq > 0 && !logged.contains(replica.index) {
            add(VerificationProblem(rule: "head-mismatch", replica: replica.id, seq: replica.headSeq, record: nil,
                                    message: "the replica's recorded head is seq \(replica.headSeq), but the log holds none of its changes"))
        }
        return changeCount
    }
}

/// The outcome of the table check, handed from the reader thread to the verifying one (the
/// semaphore it signals orders the write before the read).
private final class TableCheckResult: @unchecked Sendable {
    var result: Result<ReplicaStore.TableCheck, Error>?
}

/// Every stored signature, taken off as the chains are walked, so those left at the end of a
/// chain sign nothing in it.
struct SignatureLedger {
    private var byReplica: [Int64: [UInt64: [UInt8]]] = [:]

    init(_ db: Database) throws {
        try self.init(db, rows: Row.fetchCursor(db, sql: "SELECT replica, seq, signature FROM accord_signature"))
    }

    /// Only the signatures of one replica within `seqs`.
    init(_ db: Database, replica: Int64, seqs: ClosedRange<UInt64>) throws {
        try self.init(db, rows: Row.fetchCursor(db, sql: "SELECT replica, seq, signature FROM accord_signature WHERE replica = ? AND seq BETWEEN ? AND ?",
                                                arguments: [replica, Int64(seqs.lowerBound), Int64(seqs.upperBound)]))
    }

    private init(_ db: Database, rows: RowCursor) throws {
        while let row = try rows.next() {
            byReplica[row[0], default: [:]][UInt64(row[1] as Int64)] = Array(row[2] as Data)
        }
    }

    /// The signature stored for a replica's change, if any.
    func bytes(_ replica: Int64, _ seq: UInt64) -> [UInt8]? { byReplica[replica]?[seq] }

    /// The signatures of `replica` within `seqs`, in seq order, removed from the ledger.
    mutating func take(_ replica: Int64, in seqs: ClosedRange<UInt64>) -> [(seq: UInt64, bytes: [UInt8])] {
        guard let signed = byReplica[replica], !signed.isEmpty else { return [] }
        let found = seqs.count <= signed.count ? seqs.filter { signed[$0] != nil } : signed.keys.filter(seqs.contains).sorted()
        return found.map { ($0, byReplica[replica]!.removeValue(forKey: $0)!) }
    }

    /// The seqs of `replica` still in the ledger.
    func remaining(of replica: Int64) -> [UInt64] { (byReplica[replica] ?? [:]).keys.sorted() }
}

/// The problems found so far, up to a limit.
struct ProblemList {
    let limit: Int
    var kept: [VerificationProblem] = []
    var truncated = false

    init(limit: Int) { self.limit = limit }

    mutating func add(_ problem: VerificationProblem) {
        if kept.count < limit { kept.append(problem) } else { truncated = true }
    }

    mutating func add(contentsOf other: ProblemList) {
        for problem in other.kept { add(problem) }
        truncated = truncated || other.truncated
    }
}

