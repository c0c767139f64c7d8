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
/// once from the log, then kept in memory), and prepared statements. Local commits and remote
/// merges both append runs through it, so there is one write path to make fast and correct.
final class WriteContext {
    let db: Database
    let received: Int64
    var replicas: [ReplicaID: KnownReplica] = [:]
    var replicasByIndex: [Int64: ReplicaID] = [:]
    /// The records touched so far: `slots` finds a record's place in `states` with one hash of
    /// its id, and `written` marks those whose collection row `finish` must write.
    private var slots: [RecordID: Int] = [:]
    private var states: [RecordState] = []
    private var written: [Bool] = []
    /// Slots in `states` in the order they were first written (rows are written in that order).
    private var dirty: [Int] = []
    private var changedReplicas: Set<ReplicaID> = []
    private var insertRun: RawStatement
    private var runsOfRecord: RawStatement
    private var upserts: [RecordKind: RawStatement] = [:]
    private var body = ByteWriter(capacity: 512)
    /// The log held nothing when this transaction began (a first import, a first sync): then
    /// every record's history is what this transaction wrote, and none needs looking up.
    private let logWasEmpty: Bool
    /// The receipt digest of the log (`ReceiptDigest`), extended by every run appended.
    private var receipts: ReceiptDigest
    private let receiptsAtStart: ReceiptDigest

    init(_ db: Database, received: UInt64) throws {
        self.db = db
        self.received = Int64(received)
        insertRun = try RawStatement(db, sql: """
            INSERT INTO accord_change (replica, first_seq, last_seq, record, hlc, received, prev_hash, body)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        runsOfRecord = try RawStatement(db, sql: ReadContext.runsOfRecordSQL)
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

    /// The merged state of a record (empty if it has no changes yet).
    func state(of id: RecordID) throws -> RecordState { states[try slot(of: id)] }

    /// The record's place in `states`, loading its state from the log on first use.
    private func slot(of id: RecordID) throws -> Int {
        if let slot = slots[id] { return slot }
        var state = RecordState(id: id)
        if !logWasEmpty { try replayStoredRuns(of: id, into: &state) }
        slots[id] = states.count
        states.append(state)
        written.append(false)
        return states.count - 1
    }

    /// Applies the record's runs already in the log. Read through the raw statement: every
    /// record a commit or merge touches is looked up once, most of them new.
    private func replayStoredRuns(of id: RecordID, into state: inout RecordState) throws {
        runsOfRecord.bind(id.rawValue)
        defer { runsOfRecord.reset() }
        while try runsOfRecord.next() {
            try ReadContext.applyRun(in: runsOfRecord, author: { replicasByIndex[$0] }, to: &state)
        }
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
        let known = KnownReplica(index: db.lastInsertedRowID, id: id, author: author, name: name, headSeq: 0, headHash: nil, publicKey: nil)
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
        body.removeAll()
        RunBodyCodec.encode(run.entries, kind: run.record.kind, baseHLC: first.hlc, into: &body)
        insertRun.bind(Int64(author.index))
        insertRun.bind(Int64(run.firstSeq))
        insertRun.bind(Int64(run.lastSeq))
        insertRun.bind(run.record.rawValue)
        insertRun.bind(Int64(first.hlc.rawValue))
        insertRun.bind(received)
        insertRun.bind(run.previousHash)
        insertRun.bind(body.bytes)
        try insertRun.execute()
        receipts.add(author: run.author, firstSeq: run.firstSeq, lastSeq: run.lastSeq, received: received)

        run.apply(to: &states[slot])
        if !written[slot] {
            written[slot] = true
            dirty.append(slot)
        }
        author.headSeq = run.lastSeq
        author.headHash = lastHash
        replicas[run.author] = author
        changedReplicas.insert(run.author)
    }

    /// Writes the rows of every record touched and the new replica heads.
    func finish() throws {
        for slot in dirty {
            let kind = states[slot].id.kind
            // Taken out of the dictionary for the row: one lookup instead of one per column.
            var upsert = try upserts.removeValue(forKey: kind) ?? RawStatement(db, sql: RecordRow.upsertSQL(kind))
            RecordRow.forEachValue(of: states[slot]) { upsert.bind($0) }
            try upsert.execute()
            upserts[kind] = upsert
            written[slot] = false
        }
        for id in changedReplicas.sorted() {
            guard let replica = replicas[id] else { continue }
            try db.execute(sql: "UPDATE accord_replica SET head_seq = ?, head_hash = ? WHERE idx = ?",
                           arguments: [Int64(replica.headSeq), replica.headHash.map { Data($0.bytes) }, replica.index])
        }
        if receipts != receiptsAtStart {
            try receipts.store(in: db)
        }
        dirty.removeAll()
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
