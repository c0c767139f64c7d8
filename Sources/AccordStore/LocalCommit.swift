import AccordCore
import Foundation
import GRDB

/// What one local commit wrote.
public struct CommitSummary: Sendable, Hashable {
    /// Records that received at least one change.
    public var records: Int
    /// Changes written (one per field or set element).
    public var changes: Int
    /// This replica's sequence numbers used, if any.
    public var seqs: ClosedRange<UInt64>?
}

/// The local side of one commit: read merged records, then write fields. Every write is
/// authorised up front against this replica's office and role, so a local command refuses what
/// every receiver would refuse.
public struct LocalTransaction {
    let context: WriteContext
    let identity: ReplicaIdentity
    var clock: HybridClock
    let wallMillis: UInt64
    let signingKey: ReplicaSigningKey?
    let keyPath: String
    var hasher = ChangeHasher()
    var summary = CommitSummary(records: 0, changes: 0, seqs: nil)
    /// Changes written since the last signature of this commit.
    var unsigned = 0
    /// This replica's last change (seq and chain hash) as this commit advances it: read from the
    /// context once, then kept here, where every write extends it. Nil if the database does not
    /// know its own replica.
    var head: (seq: UInt64, hash: ChangeHash?)?

    /// Reads these records before they are written, all at once. Optional: a large commit into
    /// a replica that already holds records is faster when it names them first (an import
    /// does), because each lookup otherwise waits for the inserts queued so far.
    public func prefetch(_ ids: [RecordID]) throws { try context.preload(ids) }

    /// The merged record, or nil if it does not exist here.
    public func record(_ id: RecordID) throws -> RecordState? {
        let state = try context.state(of: id)
        return state.exists ? state : nil
    }

    /// Writes fields of one record as one run of changes. Nothing is written if `writes` is empty,
    /// but a record this replica may not write is refused even then: an edit that happens to
    /// change nothing is still not this replica's to make.
    public mutating func write(_ id: RecordID, _ writes: [FieldWrite]) throws {
        if let refusal = Authorization.check(author: identity.author, record: id) { throw StoreError.refused(refusal) }
        guard !writes.isEmpty else { return }
        // The checks every receiver applies: a change they would refuse must not enter this
        // replica's chain, where it would hold back every later change of this replica.
        // (The writes are read in place: a large import writes tens of thousands.)
        var problems: [FieldProblem] = []
        writes.withUnsafeBufferPointer { writes in
            for index in writes.indices {
                if let problem = ChangeCheck.problem(record: id, field: writes[index].field, element: writes[index].element, value: writes[index].value) {
                    problems.append(FieldProblem(field: writes[index].field, message: problem))
                }
            }
        }
        guard problems.isEmpty else { throw StoreError.invalid(record: id.rawValue, problems: problems) }
        guard let (headSeq, headHash) = head else { throw StoreError.notAReplica(path: "this database") }
        var previous = headHash
        var entries: [ChangeRun.Entry] = []
        entries.reserveCapacity(writes.count)
        writes.withUnsafeBufferPointer { writes in
            for offset in writes.indices {
                let hlc = clock.tick(wallMillis: wallMillis)
                previous = hasher.hash(author: identity.id, seq: headSeq + 1 + UInt64(offset), hlc: hlc, record: id, field: writes[offset].field,
                                       element: writes[offset].element, value: writes[offset].value, previousHash: previous)
                entries.append(ChangeRun.Entry(hlc: hlc, field: writes[offset].field, element: writes[offset].element, value: writes[offset].value))
            }
        }
        let run = ChangeRun(author: identity.id, firstSeq: headSeq + 1, record: id, previousHash: headHash, entries: entries)
        try context.append(run, lastHash: previous)
        head = (run.lastSeq, previous)
        if id.kind == .replica { try context.learnFromRegistry(id) }
        summary.records += 1
        summary.changes += entries.count
        summary.seqs = (summary.seqs?.lowerBound ?? run.firstSeq)...run.lastSeq
        unsigned += entries.count
        if unsigned >= CommitSignature.checkpointInterval { try signHead() }
    }

    /// Signs this replica's chain head: at the end of every commit, and every
    /// `CommitSignature.checkpointInterval` changes within a long one, so that a sync batch of a
    /// large import can end on a signed change.
    mutating func signHead() throws {
        guard unsigned > 0, let (seq, hash) = head, let hash else { return }
        guard let signingKey else { throw StoreError.missingSigningKey(path: keyPath) }
        try context.store(signingKey.sign(author: identity.id, seq: seq, hash: hash))
        unsigned = 0
    }
}

extension ReplicaStore {
    /// Runs `body` in one write transaction and commits what it wrote atomically.
    public func commit<T>(_ body: (inout LocalTransaction) throws -> T) throws -> (T, CommitSummary) {
        try recordsWrite { db in
            let wall = clock()
            let context = try WriteContext(db, received: wall)
            defer { context.close() }
            var transaction = LocalTransaction(context: context, identity: identity, clock: try Self.loadClock(db), wallMillis: wall,
                                               signingKey: signingKey, keyPath: ReplicaKeyFile.path(forDatabase: path),
                                               head: context.replicas[identity.id].map { ($0.headSeq, $0.headHash) })
            let result = try body(&transaction)
            try transaction.signHead()
            try context.finish()
            try Self.saveClock(transaction.clock, db)
            return (result, transaction.summary)
        }
    }

    /// A convenience for one record.
    @discardableResult
    public func write(_ id: RecordID, _ writes: [FieldWrite]) throws -> CommitSummary {
        try commit { try $0.write(id, writes) }.1
    }

    static func loadClock(_ db: Database) throws -> HybridClock {
        let raw = try String.fetchOne(db, sql: "SELECT value FROM accord_meta WHERE key = 'hlc'").flatMap { UInt64($0) } ?? 0
        return HybridClock(last: HLC(rawValue: raw))
    }

    static func saveClock(_ clock: HybridClock, _ db: Database) throws {
        try db.execute(sql: "UPDATE accord_meta SET value = ? WHERE key = 'hlc'", arguments: [String(clock.last.rawValue)])
    }
}
