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
                    SELECT first_seq, prev_hash, runs FROM accord_log WHERE replica = ? AND last_seq > ? ORDER BY first_seq
                    """, arguments: [known.index, Int64(have)])
                while let row = try rows.next() {
                    for var run in try context.runs(of: id, in: row, hasher: &hasher) where run.lastSeq > have {
                        if run.firstSeq <= have { run = run.after(have, hasher: &hasher) }
                        batch.runs.append(run)
                        batch.authors[id] = context.authorInfo(id)
                        count += run.entries.count
                        if let signature = signatures[run.lastSeq] {
                            batch.signatures.append(CommitSignature(author: id, seq: run.lastSeq, bytes: signature))
                            if count >= limit { return batch }
                        }
                    }
                }
            }
            return batch
        }
    }

    /// A live (or, if asked, deleted) record as it stands now, from its row.
    public func record(_ id: RecordID) throws -> RecordState? {
        try pool.read { db in
            var query = try RecordRow.stateQuery(id.kind, in: db)
            guard let state = try RecordRow.storedState(of: id, query: &query) else { return nil }
            return state.exists ? state : nil
        }
    }

    /// The record as this replica knew it at `instant` (only changes received by then),
    /// replayed from the log.
    public func record(_ id: RecordID, asOf instant: UInt64) throws -> RecordState? {
        try pool.read { db in
            let context = try ReadContext(db)
            var state = RecordState(id: id)
            let target = Array(id.rawValue.utf8)
            try context.forEachLogRow(containing: id, receivedUpTo: instant) { row in
                var runs = LogSegment.Reader(row.runs, firstSeq: row.firstSeq)
                while let run = try runs.next() {
                    if runs.run(run, isOf: target) { try runs.apply(run, author: row.author, to: &state) }
                }
            }
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
    /// `instant`, replayed from the log (on every core when it fits in memory), at most
    /// `recordsInMemory` records at a time.
    public func list(_ kind: RecordKind, asOf instant: UInt64, includeDeleted: Bool = false,
                     recordsInMemory: Int = ReplicaStore.defaultRecordsInMemory) throws -> [JSONValue] {
        try pool.read { db in
            try ReadContext.mapped(db) {
                let context = try ReadContext(db, recordsInMemory: recordsInMemory)
                if let parts = try context.mapInParallel(of: kind, receivedUpTo: instant, { Self.documents(of: $0, includeDeleted: includeDeleted) }) {
                    return parts.flatMap { $0 }
                }
                var records: [JSONValue] = []
                try context.forEachPass(of: kind, receivedUpTo: instant) { records += Self.documents(of: $0, includeDeleted: includeDeleted) }
                return records
            }
        }
    }

    /// The interchange documents of `states` (live ones only unless `includeDeleted`) sorted by
    /// id: built in the order the states lie in memory, then sorted.
    static func documents(of states: [RecordState], includeDeleted: Bool) -> [JSONValue] {
        var built = states.compactMap { includeDeleted || !$0.isDeleted ? (id: $0.id.rawValue, document: $0.json(includeDeletedFlag: includeDeleted)) : nil }
        // Ids are ASCII, whose String order is byte order.
        built.sort { $0.id < $1.id }
        return built.map(\.document)
    }

    /// Every change to a record (or to one field of it), oldest stamp first.
    public func history(of id: RecordID, field: String? = nil) throws -> [LoggedChange] {
        try pool.read { db in
            let context = try ReadContext(db)
            var result: [LoggedChange] = []
            var hasher = ChangeHasher()
            try context.forEachLogRow(containing: id, receivedUpTo: nil) { row in
                // The previous hash of a run of the record comes from the runs before it in the row.
                let (runs, _) = try LogSegment.chain(row.runs, author: row.author, firstSeq: row.firstSeq, previousHash: row.previousHash, hasher: &hasher)
                let replica = context.replicas[row.author]!.index
                for run in runs where run.record == id {
                    let signatures = try SignatureLedger(db, replica: replica, seqs: run.firstSeq...run.lastSeq)
                    for (change, hash) in run.hashedChanges(hasher: &hasher) where field == nil || change.field == field {
                        result.append(LoggedChange(change: change, hash: hash, receivedMillis: row.received,
                                                   authorInfo: context.authorInfo(row.author), signature: signatures.bytes(replica, change.seq)))
                    }
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
            let rows = try Row.fetchCursor(db, sql: "SELECT first_seq, prev_hash, runs, replica, received FROM accord_log ORDER BY replica, first_seq")
            while let row = try rows.next() {
                let replica: Int64 = row[3]
                let author = try context.author(replica)
                for run in try context.runs(of: author, in: row, hasher: &hasher) {
                    for (change, hash) in run.hashedChanges(hasher: &hasher) {
                        try body(LoggedChange(change: change, hash: hash, receivedMillis: UInt64(row[4] as Int64),
                                              authorInfo: context.authorInfo(change.author), signature: signatures.bytes(replica, change.seq)))
                    }
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

    /// How many records the replays of the whole log (`rebuild`, `verify`, `list --as-of`) hold
    /// in memory at once, by default: some 100 MB at most. A larger replica is replayed in
    /// passes over ranges of ids.
    public static let defaultRecordsInMemory = 100_000

    /// Recreates every collection table from the change log, in one transaction, replaying at
    /// most `recordsInMemory` records at a time.
    public func rebuild(recordsInMemory: Int = ReplicaStore.defaultRecordsInMemory) throws {
        try recordsWrite { db in try Self.rebuildTables(db, recordsInMemory: recordsInMemory) }
    }

    static func rebuildTables(_ db: Database, recordsInMemory: Int = ReplicaStore.defaultRecordsInMemory) throws {
        let context = try ReadContext(db, recordsInMemory: recordsInMemory)
        let rows = try RecordRowWriter(db)
        try ReadContext.mapped(db) {
            // Passes over a large replica are planned from the tables' rows: before they go.
            let passes = try context.passes(of: nil)
            for kind in RecordKind.allCases { try db.execute(sql: "DELETE FROM \(kind.rawValue)") }
            try context.forEachRecord(passes: passes) { try rows.write($0) }
        }
    }
}
