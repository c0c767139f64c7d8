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

/// The state of one write transaction: the replicas table, the records touched so far (loaded
/// once from the log, then kept in memory), and the inserts waiting for SQLite. Local commits
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
    private var slots: [RecordID: Int] = [:]
    private var states: [RecordState] = []
    private var rows: [RowProgress] = []
    /// Slots whose row was queued before their last change: `finish` queues them again.
    private var stale: [Int] = []
    private var changedReplicas: Set<ReplicaID> = []
    /// Per kind, the query of a record's state from its row (`RecordRow.stateSQL`).
    private var rowStates: [RecordKind: RawStatement] = [:]
    private let pipeline: InsertPipeline
    /// The log held nothing when this transaction began (a first import, a first sync): then
    /// every record's history is what this transaction wrote, and none needs looking up.
    private let logWasEmpty: Bool
    /// The receipt digest of the log (`ReceiptDigest`), extended by every run appended.
    private var receipts: ReceiptDigest
    private let receiptsAtStart: ReceiptDigest

    private enum RowProgress {
        case unwritten
        /// Queued with the record as it is now.
        case queued
        /// Queued, then changed again.
        case stale
    }

    /// The connection, once every queued insert is done: SQL run through it sees them, and the
    /// insert thread is not using it.
    var db: Database {
        get throws {
            try pipeline.flush()
            return connection
        }
    }

    init(_ db: Database, received: UInt64) throws {
        connection = db
        self.received = Int64(received)
        pipeline = InsertPipeline(execute: try LogInserter(db, received: Int64(received)).insert)
        logWasEmpty = try !Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM accord_change)")!
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
    func close() { pipeline.close() }

    /// The merged state of a record (empty if it has no changes yet).
    func state(of id: RecordID) throws -> RecordState { states[try slot(of: id)] }

    /// The record's place in `states`, loading its state from its row on first use.
    private func slot(of id: RecordID) throws -> Int {
        if let slot = slots[id] { return slot }
        let state = logWasEmpty ? RecordState(id: id) : try storedState(of: id)
        slots[id] = states.count
        states.append(state)
        rows.append(.unwritten)
        return states.count - 1
    }

    /// The record as its row holds it (empty if it has none). Read through the raw statement:
    /// every record a commit or merge touches is looked up once, most of them new.
    private func storedState(of id: RecordID) throws -> RecordState {
        try pipeline.flush()
        var rows = try rowStates.removeValue(forKey: id.kind) ?? RawStatement(connection, sql: RecordRow.stateSQL(id.kind))
        defer {
            rows.reset()
            rowStates[id.kind] = rows
        }
        rows.bind(id.rawValue)
        return try rows.next() ? RecordRow.state(in: rows, id: id) : RecordState(id: id)
    }

    /// The chain hash of `author`'s change `seq` as stored here, or nil if it is not held.
    func storedChainHash(of author: ReplicaID, at seq: UInt64) throws -> ChangeHash? {
        guard let known = replicas[author], seq >= 1, seq <= known.headSeq else { return nil }
        if seq == known.headSeq { return known.headHash }
        var rows = try RawStatement(db, sql: """
            SELECT first_seq, hlc, body, record, prev_hash FROM accord_change WHERE replica = ? AND first_seq <= ? ORDER BY first_seq DESC LIMIT 1
            """)
        defer { rows.reset() }
        rows.bind(known.index)
        rows.bind(Int64(seq))
        guard try rows.next(), let record = RecordID(rows.text(at: 3)) else { return nil }
        var reader = ByteReader(rows.blob(at: 2))
        let entries = try RunBodyCodec.decode(&reader, count: 0, untilEnd: true, kind: record.kind, baseHLC: HLC(rawValue: UInt64(rows.int64(at: 1))))
        let run = ChangeRun(author: author, firstSeq: UInt64(rows.int64(at: 0)), record: record,
                            previousHash: rows.isNull(at: 4) ? nil : ChangeHash(bytes: rows.blob(at: 4)), entries: entries)
        guard seq <= run.lastSeq else { return nil }
        var hasher = ChangeHasher()
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
        guard var author = replicas[run.author], let first = run.entries.first else { return }
        // Load the record's state before the run joins the log, or it would be read back and applied twice.
        let slot = try slot(of: run.record)
        RunBodyCodec.encode(run.entries, kind: run.record.kind, baseHLC: first.hlc, into: &pipeline.current.bodies)
        pipeline.current.runs.append(InsertBatch.Run(
            replica: author.index, firstSeq: Int64(run.firstSeq), lastSeq: Int64(run.lastSeq), record: run.record,
            hlc: Int64(first.hlc.rawValue), previousHash: run.previousHash, bodyEnd: pipeline.current.bodies.bytes.count))
        receipts.add(author: run.author, firstSeq: run.firstSeq, lastSeq: run.lastSeq, received: received)

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
        author.headSeq = run.lastSeq
        author.headHash = lastHash
        replicas[run.author] = author
        changedReplicas.insert(run.author)
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

/// The SQL of an `InsertBatch`: the statements a write transaction's inserts use, owned by
/// whichever thread holds the connection (see `InsertPipeline`).
private final class LogInserter {
    private var insertRun: RawStatement
    private var insertSignature: RawStatement
    private var upserts: [RecordKind: RawStatement] = [:]
    private var stamps = ByteWriter(capacity: 256)
    private let received: Int64

    init(_ db: Database, received: Int64) throws {
        self.received = received
        insertRun = try RawStatement(db, sql: """
            INSERT INTO accord_change (replica, first_seq, last_seq, record, hlc, received, prev_hash, body)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        insertSignature = try RawStatement(db, sql: "INSERT OR IGNORE INTO accord_signature (replica, seq, signature) VALUES (?, ?, ?)")
        for kind in RecordKind.allCases { upserts[kind] = try RawStatement(db, sql: RecordRow.upsertSQL(kind)) }
    }

    func insert(_ batch: inout InsertBatch) throws {
        var bodyStart = 0
        for run in batch.runs {
            insertRun.bind(run.replica)
            insertRun.bind(run.firstSeq)
            insertRun.bind(run.lastSeq)
            insertRun.bind(run.record.rawValue)
            insertRun.bind(run.hlc)
            insertRun.bind(received)
            insertRun.bind(run.previousHash)
            insertRun.bind(batch.bodies.bytes[bodyStart..<run.bodyEnd])
            try insertRun.execute()
            bodyStart = run.bodyEnd
        }
        for state in batch.rows {
            let kind = state.id.kind
            // Taken out of the dictionary for the row: one lookup instead of one per column.
            var upsert = upserts.removeValue(forKey: kind)!
            RecordRow.bind(state, into: &upsert, stamps: &stamps)
            defer { upserts[kind] = upsert }
            try upsert.execute()
        }
        for signature in batch.signatures {
            insertSignature.bind(signature.replica)
            insertSignature.bind(signature.seq)
            insertSignature.bind(signature.bytes)
            try insertSignature.execute()
        }
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
