import AccordCore
import Foundation
import GRDB

/// What the store knows about one replica (its row in `accord_replica`).
struct KnownReplica {
    var index: Int64
    var id: ReplicaID
    var author: Author?
    var name: String?
    var headSeq: UInt64
    var headHash: ChangeHash?
    /// Its Ed25519 key, once known (it never changes after that).
    var publicKey: ReplicaPublicKey?
}

/// The state of one write transaction: the replicas table, the records touched so far (read
/// once from their rows, then kept in memory), and the inserts waiting for SQLite. Local commits
/// and remote merges both append runs through it, so there is one write path to make fast and
/// correct.
///
/// Inserts go through an `InsertPipeline`, which runs them on a second thread in a large
/// transaction; every other use of the connection goes through `db`, which first waits for
/// them, so that the two threads never use the connection at once.
final class WriteContext {
    private let connection: Database
    let received: Int64
    var replicas: [ReplicaID: KnownReplica] = [:]
    var replicasByIndex: [Int64: ReplicaID] = [:]
    /// The records touched so far: `slots` finds a record's place in `states` with one hash of
    /// its id, and `rows` tracks whether its collection row is written.
    private var slots = RecordSlots()
    private var states: [RecordState] = []
    private var rows: [RowProgress] = []
    /// Slots whose row was queued before their last change: `finish` queues them again.
    private var stale: [Int] = []
    /// The log row being filled: runs of one author that follow each other.
    private var segment: OpenSegment?
    private var changedReplicas: Set<ReplicaID> = []
    /// Per kind, the prepared query of a record's row (`RecordRow.stateQuery`): looked up once,
    /// not by its SQL text for every record.
    private var stateQueries: [RecordKind: RawStatement] = [:]
    private let pipeline: InsertPipeline
    /// The log held nothing when this transaction began (a first import, a first sync): then
    /// every record's history is what this transaction wrote, and none needs looking up.
    private let logWasEmpty: Bool
    /// The receipt digest of the log (`ReceiptDigest`), extended by every run appended.
    private var receipts: ReceiptDigest
    private let receiptsAtStart: ReceiptDigest

    private struct OpenSegment {
        var author: ReplicaID
        var replica: Int64
        var firstSeq: UInt64
        var lastSeq: UInt64
        var previousHash: ChangeHash?
        var runs: [ChangeRun] = []
    }

    private enum RowProgress {
        case unwritten
        /// Queued with the record as it is now.
        case queued
        /// Queued, then changed again.
        case stale
    }

    /// The connection, once every queued insert is done: SQL run through it sees them (the log
    /// row being filled too), and the insert thread is not using it.
    var db: Database {
        get throws {
            try closeSegment()
            try pipeline.flush()
            return connection
        }
    }

    init(_ db: Database, received: UInt64) throws {
        connection = db
        self.received = Int64(received)
        pipeline = InsertPipeline(execute: try LogInserter(db, received: Int64(received)).insert)
        logWasEmpty = try !Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM accord_log)")!
        let stored = try ReceiptDigest.storedText(in: db)
        guard let digest = stored.flatMap(ReceiptDigest.init(hex:)) else {
            throw DatabaseError(message: "accord_meta holds no valid receipt digest (\(stored ?? "none"))")
        }
        receipts = digest
        receiptsAtStart = digest
        for row in try Row.fetchAll(db, sql: "SELECT idx, id, office, role, name, head_seq, head_hash, public_key FROM accord_replica") {
            let replica = try KnownReplica(row: row)
            replicas[replica.id] = replica
            replicasByIndex[replica.index] = replica.id
        }
    }

    /// Stops the insert thread without waiting for what it has queued. Every transaction that
    /// made a context calls it before it ends, committed (after `finish`) or rolled back.
    ///
    /// The states of the records touched are freed on another thread, while the transaction
    /// commits: for a large import that is thousands of allocations the commit need not wait for.
    func close() {
        pipeline.close()
        guard states.count > 1_000 else { return }
        let retired = states
        states = []
        rows = []
        slots = RecordSlots()
        DispatchQueue.global(qos: .utility).async { withExtendedLifetime(retired) {} }
    }

    /// The merged state of a record (empty if it has no changes yet).
    func state(of id: RecordID) throws -> RecordState { states[try slot(of: id)] }

    /// The record's place in `states`, loading its state from its row on first use.
    private func slot(of id: RecordID) throws -> Int {
        try slots.slot(of: id, ids: { states[$0].id }) {
            states.append(logWasEmpty ? RecordState(id: id) : try storedState(of: id))
            rows.append(.unwritten)
            return states.count - 1
        }
    }

    /// Reads the rows of these records now, in one go: a bulk write into a replica that already
    /// holds records then does not stop the insert thread to look each one up.
    func preload(_ ids: some Sequence<RecordID>) throws {
        guard !logWasEmpty else { return }
        for id in ids { _ = try slot(of: id) }
    }

    /// The record as its row holds it (empty if it has none). Read through the raw statement:
    /// every record a commit or merge touches is looked up once, most of them new. The log row
    /// being filled stays open: this reads no log.
    private func storedState(of id: RecordID) throws -> RecordState {
        try pipeline.flush()
        var query = try stateQueries.removeValue(forKey: id.kind) ?? RecordRow.stateQuery(id.kind, in: connection)
        defer { stateQueries[id.kind] = query }
        return try RecordRow.storedState(of: id, query: &query) ?? RecordState(id: id)
    }

    /// The office and role of a replica, once known here.
    func author(of id: ReplicaID) -> Author? {
        guard let index = replicas.index(forKey: id) else { return nil }
        return replicas.values[index].author
    }

    /// The chain hash of `author`'s change `seq` as stored here, or nil if it is not held.
    func storedChainHash(of author: ReplicaID, at seq: UInt64) throws -> ChangeHash? {
        guard let known = replicas[author], seq >= 1, seq <= known.headSeq else { return nil }
        if seq == known.headSeq { return known.headHash }
        guard let row = try Row.fetchOne(db, sql: """
            SELECT first_seq, prev_hash, runs FROM accord_log WHERE replica = ? AND first_seq <= ? ORDER BY first_seq DESC LIMIT 1
            """, arguments: [known.index, Int64(seq)]) else { return nil }
        var hasher = ChangeHasher()
        let (runs, _) = try LogSegment.chain(Array(row[2] as Data), author: author, firstSeq: UInt64(row[0] as Int64),
                                             previousHash: (row[1] as Data?).flatMap { ChangeHash(bytes: Array($0)) }, hasher: &hasher)
        guard let run = runs.first(where: { $0.lastSeq >= seq }), run.firstSeq <= seq else { return nil }
        return run.chainHashes(hasher: &hasher)[Int(seq - run.firstSeq)]
    }

    /// Registers a replica seen for the first time (or fills in its office and role).
    @discardableResult
    func register(_ id: ReplicaID, author: Author?, name: String?) throws -> KnownReplica {
        if var known = replicas[id] {
            if known.author == nil, let author {
                known.author = author
                known.name = known.name ?? name
                replicas[id] = known
                try db.execute(sql: "UPDATE accord_replica SET office = ?, role = ?, name = coalesce(name, ?) WHERE idx = ?",
                               arguments: [author.office.rawValue, author.role.rawValue, name, known.index])
            }
            return known
        }
        try db.execute(sql: "INSERT INTO accord_replica (id, office, role, name) VALUES (?, ?, ?, ?)",
                       arguments: [id.rawValue, author?.office.rawValue, author?.role.rawValue, name])
        let known = KnownReplica(index: try db.lastInsertedRowID, id: id, author: author, name: name, headSeq: 0, headHash: nil, publicKey: nil)
        replicas[id] = known
        replicasByIndex[known.index] = id
        return known
    }

    /// Appends a run that directly follows its author's head (checked by the caller), merges it
    /// into the record's state and advances the author's head.
    func append(_ run: ChangeRun, lastHash: ChangeHash?) throws {
        guard !run.entries.isEmpty, let author = replicas.index(forKey: run.author) else { return }
        let slot = try slot(of: run.record)
        let continues = segment.map { $0.author == run.author && $0.lastSeq + 1 == run.firstSeq && $0.runs.count < LogSegment.maxRuns } ?? false
        if !continues {
            try closeSegment()
            segment = OpenSegment(author: run.author, replica: replicas.values[author].index, firstSeq: run.firstSeq,
                                  lastSeq: run.firstSeq - 1, previousHash: run.previousHash)
            // Every run appended is its segment's author's: noting the author once a segment will do.
            changedReplicas.insert(run.author)
        }
        segment!.runs.append(run)
        segment!.lastSeq = run.lastSeq

        run.apply(to: &states[slot])
        // The row is queued at once, so that it is written while this thread goes on; a record
        // changed again is queued once more by `finish`.
        switch rows[slot] {
        case .unwritten:
            pipeline.current.rows.append(states[slot])
            rows[slot] = .queued
        case .queued:
            rows[slot] = .stale
            stale.append(slot)
        case .stale:
            break
        }
        // In place: no copy of the replica's entry for each run.
        replicas.values[author].headSeq = run.lastSeq
        replicas.values[author].headHash = lastHash
        try pipeline.submitIfFull()
    }

    /// Queues the log row being filled, if any, and adds it to the receipt digest.
    private func closeSegment() throws {
        guard let open = segment else { return }
        pipeline.current.segments.append(InsertBatch.Segment(replica: open.replica, firstSeq: Int64(open.firstSeq), lastSeq: Int64(open.lastSeq),
                                                             previousHash: open.previousHash, runs: open.runs))
        receipts.add(author: open.author, firstSeq: open.firstSeq, lastSeq: open.lastSeq, received: received)
        segment = nil
        try pipeline.submitIfFull()
    }

    /// Queues a signature (already verified, or just made) to be stored beside the changes it covers.
    func store(_ signature: CommitSignature) throws {
        guard let known = replicas[signature.author] else { return }
        pipeline.current.signatures.append(InsertBatch.Signature(replica: known.index, seq: Int64(signature.seq), bytes: signature.bytes))
        try pipeline.submitIfFull()
    }

    /// Writes the rows of every record touched, the new replica heads and the receipt digest,
    /// once every queued insert is done.
    func finish() throws {
        try closeSegment()
        for slot in stale {
            pipeline.current.rows.append(states[slot])
            rows[slot] = .queued
        }
        stale.removeAll()
        let db = try db
        pipeline.close()
        for id in changedReplicas.sorted() {
            guard let replica = replicas[id] else { continue }
            try db.execute(sql: "UPDATE accord_replica SET head_seq = ?, head_hash = ? WHERE idx = ?",
                           arguments: [Int64(replica.headSeq), replica.headHash.map { Data($0.bytes) }, replica.index])
        }
        if receipts != receiptsAtStart {
            try receipts.store(in: db)
        }
        changedReplicas.removeAll()
    }
}

extension KnownReplica {
    init(row: Row) throws {
        guard let id = ReplicaID(row["id"] as String) else { throw DatabaseError(message: "accord_replica holds a malformed id") }
        self.index = row["idx"]
        self.id = id
        if let office = (row["office"] as String?).flatMap(OfficeCode.init), let role = (row["role"] as String?).flatMap(ReplicaRole.init) {
            self.author = Author(office: office, role: role)
        }
        self.name = row["name"]
        self.headSeq = UInt64(row["head_seq"] as Int64)
        self.headHash = (row["head_hash"] as Data?).flatMap { ChangeHash(bytes: Array($0)) }
        self.publicKey = (row["public_key"] as Data?).flatMap { ReplicaPublicKey(bytes: Array($0)) }
    }
}
