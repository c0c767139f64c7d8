import AccordCore
import Foundation
import GRDB

/// One change as the history and the log export show it.
public struct LoggedChange: Sendable, Hashable {
    public var change: Change
    /// Its own chain hash.
    public var hash: ChangeHash
    /// When this replica stored it (ms since the epoch).
    public var receivedMillis: UInt64
    public var authorInfo: AuthorInfo?
    /// The author's Ed25519 signature over this change's chain hash, when this change is one its
    /// author signed (the last change of a commit, and every 1,000th of a long one).
    public var signature: [UInt8]?
}

extension ReplicaStore {
    /// For every author, the highest sequence number held here.
    public func versionVector() throws -> VersionVector {
        try pool.read { db in
            var vector = VersionVector()
            for row in try Row.fetchAll(db, sql: "SELECT id, head_seq FROM accord_replica WHERE head_seq > 0") {
                if let id = ReplicaID(row[0] as String) { vector[id] = UInt64(row[1] as Int64) }
            }
            return vector
        }
    }

    /// The changes held here that a peer with `vector` lacks, in author and sequence order, about
    /// `limit` changes at most (whole runs; at least one run), with their authors' signatures.
    /// A batch ends on a signed change, so it may run past `limit` to the next signature (at
    /// most `CommitSignature.checkpointInterval` changes). Authors' offices, roles and keys come
    /// along; a receiver believes them only from the peer it talks to about itself.
    public func missingChanges(for vector: VersionVector, limit: Int) throws -> ChangeBatch {
        try pool.read { db in
            let context = try ReadContext(db)
            var batch = ChangeBatch(runs: [])
            var count = 0
            var hasher = ChangeHasher()
            // Secretariat replicas first: their registry records introduce the keys of the
            // authors that follow, so a receiver can check those in the same or the next batch.
            func rank(_ replica: KnownReplica) -> (Int, String) { (replica.author?.role == .secretariat ? 0 : 1, replica.id.rawValue) }
            let order = context.replicas.sorted { rank($0.value) < rank($1.value) }
            for (id, known) in order where known.headSeq > vector[id] {
                let have = vector[id]
                var signatures: [UInt64: [UInt8]] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT seq, signature FROM accord_signature WHERE replica = ? AND seq > ?",
                                            arguments: [known.index, Int64(have)]) {
                    signatures[UInt64(row[0] as Int64)] = Array(row[1] as Data)
                }
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT replica, first_seq, hlc, body, record, prev_hash FROM accord_change
                    WHERE replica = ? AND first_seq >= coalesce((SELECT max(first_seq) FROM accord_change WHERE replica = ? AND first_seq <= ?), 0)
                    ORDER BY first_seq
                    """, arguments: [known.index, known.index, Int64(have) + 1])
                while let row = try rows.next() {
                    var run = try context.run(from: row)
                    if run.lastSeq <= have { continue }
                    if run.firstSeq <= have {
                        let dropped = Int(have - run.firstSeq + 1)
                        let (changes, _) = run.changes(hasher: &hasher)
                        run = ChangeRun(author: run.author, firstSeq: have + 1, record: run.record,
                                        previousHash: changes[dropped].previousHash, entries: Array(run.entries.dropFirst(dropped)))
                    }
                    batch.runs.append(run)
                    batch.authors[id] = context.authorInfo(id)
                    count += run.entries.count
                    if let signature = signatures[run.lastSeq] {
                        batch.signatures.append(CommitSignature(author: id, seq: run.lastSeq, bytes: signature))
                        if count >= limit { return batch }
                    }
                }
            }
            return batch
        }
    }

    /// A live (or, if asked, deleted) record as it stands now, from its row.
    public func record(_ id: RecordID) throws -> RecordState? {
        try pool.read { db in
            var rows = try RawStatement(db, sql: RecordRow.stateSQL(id.kind))
            defer { rows.reset() }
            rows.bind(id.rawValue)
            guard try rows.next() else { return nil }
            let state = try RecordRow.state(in: rows, id: id)
            return state.exists ? state : nil
        }
    }

    /// The record as this replica knew it at `instant` (only changes received by then).
    public func record(_ id: RecordID, asOf instant: UInt64) throws -> RecordState? {
        try pool.read { db in
            let state = try ReadContext(db).state(of: id, receivedUpTo: instant)
            return state.exists ? state : nil
        }
    }

    /// Live records of a collection as JSON documents, ordered by id, from the collection table.
    public func list(_ kind: RecordKind, includeDeleted: Bool = false) throws -> [JSONValue] {
        try pool.read { db in
            let sql = "SELECT * FROM \(kind.rawValue)" + (includeDeleted ? "" : " WHERE deleted = 0") + " ORDER BY id"
            return try Row.fetchAll(db, sql: sql).map { RecordRow.json($0, kind: kind, includeDeletedFlag: includeDeleted) }
        }
    }

    /// Live (or, if asked, also deleted) records of a collection as this replica knew them at
    /// `instant`, replayed from the log.
    public func list(_ kind: RecordKind, asOf instant: UInt64, includeDeleted: Bool = false) throws -> [JSONValue] {
        try pool.read { db in
            var records: [JSONValue] = []
            try ReadContext.mapped(db) {
                try ReadContext(db).forEachRecord(of: kind, receivedUpTo: instant) { state in
                    if includeDeleted || !state.isDeleted { records.append(state.json(includeDeletedFlag: includeDeleted)) }
                }
            }
            return records
        }
    }

    /// Every change to a record (or to one field of it), oldest stamp first.
    public func history(of id: RecordID, field: String? = nil) throws -> [LoggedChange] {
        try pool.read { db in
            let context = try ReadContext(db)
            var result: [LoggedChange] = []
            var hasher = ChangeHasher()
            let rows = try Row.fetchAll(db, sql: """
                SELECT replica, first_seq, hlc, body, record, prev_hash, received FROM accord_change WHERE record = ?
                """, arguments: [id.rawValue])
            for row in rows {
                let run = try context.run(from: row, record: id)
                let (changes, _) = run.changes(hasher: &hasher)
                let signatures = try SignatureLedger(db, replica: row[0], seqs: run.firstSeq...run.lastSeq)
                for change in changes where field == nil || change.field == field {
                    result.append(LoggedChange(change: change, hash: hasher.hash(change), receivedMillis: UInt64(row[6] as Int64),
                                               authorInfo: context.authorInfo(change.author), signature: signatures.bytes(row[0], change.seq)))
                }
            }
            return result.sorted { $0.change.stamp < $1.change.stamp }
        }
    }

    /// Every change held, author by author in sequence order, for export and verification.
    public func forEachChange(_ body: (LoggedChange) throws -> Void) throws {
        try pool.read { db in
            let context = try ReadContext(db)
            var hasher = ChangeHasher()
            let signatures = try SignatureLedger(db)
            let rows = try Row.fetchCursor(db, sql: """
                SELECT replica, first_seq, hlc, body, record, prev_hash, received FROM accord_change ORDER BY replica, first_seq
                """)
            while let row = try rows.next() {
                let run = try context.run(from: row)
                let (changes, _) = run.changes(hasher: &hasher)
                for change in changes {
                    try body(LoggedChange(change: change, hash: hasher.hash(change), receivedMillis: UInt64(row[6] as Int64),
                                          authorInfo: context.authorInfo(change.author), signature: signatures.bytes(row[0], change.seq)))
                }
            }
        }
    }

    /// Replicas known here with their office, role, name and head.
    public func knownReplicas() throws -> [(id: ReplicaID, info: AuthorInfo?, headSeq: UInt64)] {
        try pool.read { db in
            try ReadContext(db).replicas.values.sorted { $0.id < $1.id }.map { replica in
                (replica.id, replica.author.map { AuthorInfo(author: $0, name: replica.name) }, replica.headSeq)
            }
        }
    }

    /// Recreates every collection table from the change log, in one transaction.
    public func rebuild() throws {
        try pool.write(Self.rebuildTables)
    }

    static func rebuildTables(_ db: Database) throws {
        let context = try ReadContext(db)
        for kind in RecordKind.allCases { try db.execute(sql: "DELETE FROM \(kind.rawValue)") }
        var upserts: [RecordKind: RawStatement] = [:]
        var stamps = ByteWriter()
        try ReadContext.mapped(db) {
            try context.forEachRecord { state in
                var upsert = try upserts.removeValue(forKey: state.id.kind) ?? RawStatement(db, sql: RecordRow.upsertSQL(state.id.kind))
                RecordRow.bind(state, into: &upsert, stamps: &stamps)
                try upsert.execute()
                upserts[state.id.kind] = upsert
            }
        }
    }
}

/// Read-side helpers: the replicas table and run decoding.
struct ReadContext {
    let db: Database
    var replicas: [ReplicaID: KnownReplica] = [:]
    var byIndex: [Int64: KnownReplica] = [:]

    init(_ db: Database) throws {
        self.db = db
        for row in try Row.fetchAll(db, sql: "SELECT idx, id, office, role, name, head_seq, head_hash, public_key FROM accord_replica") {
            let replica = try KnownReplica(row: row)
            replicas[replica.id] = replica
            byIndex[replica.index] = replica
        }
    }

    func authorInfo(_ id: ReplicaID) -> AuthorInfo? {
        replicas[id].flatMap { replica in replica.author.map { AuthorInfo(author: $0, name: replica.name, publicKey: replica.publicKey) } }
    }

    /// Decodes a row whose first columns are replica, first_seq, hlc, body, record[, prev_hash].
    func run(from row: Row, record: RecordID? = nil) throws -> ChangeRun {
        guard let author = byIndex[row[0]]?.id else { throw DatabaseError(message: "change log names unknown replica index \(row[0] as Int64)") }
        guard let record = record ?? RecordID(row[4] as String) else { throw DatabaseError(message: "change log holds malformed record id \(row[4] as String)") }
        let data: Data = row[3]
        var reader = ByteReader(Array(data))
        let entries = try RunBodyCodec.decode(&reader, count: 0, untilEnd: true, kind: record.kind, baseHLC: HLC(rawValue: UInt64(row[2] as Int64)))
        let previous = row.count > 5 ? (row[5] as Data?).flatMap { ChangeHash(bytes: Array($0)) } : nil
        return ChangeRun(author: author, firstSeq: UInt64(row[1] as Int64), record: record, previousHash: previous, entries: entries)
    }

    /// Replays the log record by record, in record id order, handing each record's merged state
    /// to `body`: what `rebuild` writes, `verify` compares with the tables and `list --as-of`
    /// prints. Only records of `kind` if given, only runs received by `instant` if given. The
    /// log's runs are sorted by record (SQLite's sorter: the log has no record index, which every
    /// write would pay for), so one record is in memory at a time.
    func forEachRecord(of kind: RecordKind? = nil, receivedUpTo instant: UInt64? = nil, _ body: (RecordState) throws -> Void) throws {
        var conditions: [String] = []
        // Ids start with the kind's prefix and a "-"; "." is the byte after "-".
        if let kind { conditions.append("record >= '\(kind.idPrefix)-' AND record < '\(kind.idPrefix).'") }
        if instant != nil { conditions.append("received <= ?") }
        var rows = try RawStatement(db, sql: "SELECT replica, first_seq, hlc, body, record FROM accord_change"
                                        + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")) + " ORDER BY record")
        defer { rows.reset() }
        if let instant { rows.bind(Int64(instant)) }
        var current: RecordState?
        var currentID: [UInt8] = []
        while try rows.next() {
            if current == nil || !rows.text(at: 4, equals: currentID) {
                if let state = current { try body(state) }
                let text = rows.text(at: 4)
                guard let id = RecordID(text) else { throw DatabaseError(message: "change log holds malformed record id \(text)") }
                current = RecordState(id: id)
                currentID = Array(text.utf8)
            }
            try apply(rows, to: &current!)
        }
        if let state = current { try body(state) }
    }

    func state(of id: RecordID, receivedUpTo instant: UInt64?) throws -> RecordState {
        var state = RecordState(id: id)
        var rows = try RawStatement(db, sql: Self.runsOfRecordSQL + (instant == nil ? "" : " AND received <= ?"))
        defer { rows.reset() }
        rows.bind(id.rawValue)
        if let instant { rows.bind(Int64(instant)) }
        while try rows.next() { try apply(rows, to: &state) }
        return state
    }

    private func apply(_ rows: RawStatement, to state: inout RecordState) throws {
        try Self.applyRun(in: rows, author: { byIndex[$0]?.id }, to: &state)
    }

    /// The query of a record's stored runs, in the columns `applyRun` reads.
    static let runsOfRecordSQL = "SELECT replica, first_seq, hlc, body FROM accord_change WHERE record = ?"

    /// Applies the run in the current row (replica, first_seq, hlc, body, …) to `state`: the one
    /// replay of a stored run, for reads and for a write's loading of a record alike.
    static func applyRun(in rows: RawStatement, author: (Int64) -> ReplicaID?, to state: inout RecordState) throws {
        guard let author = author(rows.int64(at: 0)) else {
            throw DatabaseError(message: "change log names unknown replica index \(rows.int64(at: 0))")
        }
        var reader = ByteReader(rows.blob(at: 3))
        try RunBodyCodec.apply(&reader, author: author, firstSeq: UInt64(rows.int64(at: 1)),
                               baseHLC: HLC(rawValue: UInt64(rows.int64(at: 2))), to: &state)
    }
}
