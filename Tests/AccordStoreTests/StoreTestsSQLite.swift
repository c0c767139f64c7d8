import AccordCore
import AccordStore
import Foundation
import GRDB
import Testing

/// The replica is a plain SQLite file: WAL (readers never block the writer), collection tables
/// a user can query with plain SQL, laid out exactly as `schemas/replica.sql` says.
@Suite("Store: the SQLite file")
struct StoreTestsSQLite {
    private static let replicaSQL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("schemas/replica.sql")

    @Test func theDatabaseIsInWALMode() throws {
        let folder = try StoreTestFolder()
        let store = try folder.replica("nairobi", office: "KE")
        #expect(try store.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        try store.close()
        // WAL is a property of the file: bytes 18 and 19 of the header are 2 (RFC: sqlite.org/fileformat).
        let header = try #require(FileHandle(forReadingAtPath: folder.path("nairobi.accord"))?.readData(ofLength: 20))
        #expect(Array(header.prefix(16)) == Array("SQLite format 3\0".utf8))
        #expect(header[18] == 2 && header[19] == 2)
        let plain = try DatabaseQueue(path: folder.path("nairobi.accord"))
        #expect(try plain.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
    }

    /// Every table, column, type, constraint and index of a replica is what the published SQL
    /// creates: compare a replica with a database made by running schemas/replica.sql.
    @Test func tablesAndColumnsAreExactlyThoseOfSchemasReplicaSQL() throws {
        let folder = try StoreTestFolder()
        let store = try folder.replica("nairobi", office: "KE")
        let published = try String(contentsOf: Self.replicaSQL, encoding: .utf8)
        #expect(published == ReplicaSQL.script)
        let reference = try DatabaseQueue()
        try reference.write { db in try db.execute(sql: published) }

        func layout(_ db: Database) throws -> [String: [String]] {
            var result: [String: [String]] = [:]
            let objects = try Row.fetchAll(db, sql: "SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
            for object in objects {
                let name: String = object["name"]
                let type: String = object["type"]
                if type == "table" {
                    result[name] = try Row.fetchAll(db, sql: "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_xinfo(?)", arguments: [name]).map { $0.description }
                    result[name]! += try Row.fetchAll(db, sql: "SELECT strict, wr FROM pragma_table_list WHERE name = ?", arguments: [name]).map { $0.description }
                } else {
                    result["\(type) \(name)"] = try Row.fetchAll(db, sql: "SELECT name FROM pragma_index_info(?)", arguments: [name]).map { $0.description } + [object["tbl_name"]]
                }
            }
            return result
        }
        let expected = try reference.read(layout)
        #expect(Set(expected.keys).isSuperset(of: ["activity", "training_variant", "alert_upload", "accord_log", "accord_replica", "accord_meta"]))
        #expect(try store.read(layout) == expected)
        for kind in RecordKind.allCases {
            #expect(try store.read { db in try db.columns(in: kind.rawValue).map(\.name) } == ReplicaSQL.storedColumns(of: kind))
        }
    }

    /// Users and other tools read the collections with plain SQL, sets with SQLite's JSON
    /// functions; the answers agree with Accord's own listing.
    @Test func collectionsAnswerPlainSQL() throws {
        let folder = try StoreTestFolder()
        let korea = try folder.replica("seoul", office: "KR")
        let bytes = try #require(try StoreTestSamples.alertFilesByContributor("alert_upload.sample.csv")["KR"])
        _ = try korea.importRecords(.alertUpload, bytes: bytes, format: .csv)
        let hub = try folder.replica("hub", office: "WIPO", role: .secretariat)
        _ = try hub.importRecords(.activity, bytes: StoreTestSamples.bytes("activity.sample.jsonl"), format: .jsonl)

        let offlineManga = try korea.read { db in
            try String.fetchAll(db, sql: "SELECT domain FROM alert_upload WHERE contributor = 'KR' AND category = 'manga' AND status = 'offline' AND deleted = 0 ORDER BY domain")
        }
        let expected = try korea.list(.alertUpload)
            .filter { $0["category"] == .string("manga") && $0["status"] == .string("offline") }
            .compactMap { if case .string(let domain)? = $0["domain"] { domain } else { nil } }
            .sorted()
        #expect(!offlineManga.isEmpty)
        #expect(offlineManga == expected)

        let judges = try hub.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM activity, json_each(activity.audience) WHERE json_each.value = 'judges'")
        }
        #expect(judges == (try hub.list(.activity).filter { $0["audience"]?.serialized.contains("\"judges\"") == true }.count))
        let participants = try hub.read { db in try Int.fetchOne(db, sql: "SELECT sum(participant_count) FROM activity WHERE typeof(participant_count) = 'integer'") }
        let listedSum = try hub.list(.activity).reduce(0) { sum, record in
            if case .int(let count)? = record["participant_count"] { sum + Int(count) } else { sum }
        }
        #expect(participants == listedSum)
        let dates = try hub.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM activity WHERE start_date BETWEEN '2019-01-01' AND '2019-12-31'") }
        #expect((dates ?? 0) > 0)
    }

    @Test func createRefusesAnExistingFile() throws {
        let folder = try StoreTestFolder()
        _ = try folder.replica("nairobi", office: "KE")
        #expect(throws: StoreError.self) { try folder.replica("nairobi", office: "KE") }
        let path = try folder.write("notes.txt", "hello")
        let identity = ReplicaIdentity(id: .random(), office: OfficeCode("KE")!, role: .office, name: "x")
        #expect(throws: StoreError.self) { try ReplicaStore.create(at: path, identity: identity) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "hello")
    }

    @Test func openRefusesFilesThatAreNotReplicas() throws {
        let folder = try StoreTestFolder()
        #expect(throws: StoreError.self) { try ReplicaStore.open(at: folder.path("missing.accord")) }
        let text = try folder.write("notes.txt", String(repeating: "not a database\n", count: 100))
        #expect(throws: StoreError.self) { try ReplicaStore.open(at: text) }
        let other = try DatabaseQueue(path: folder.path("other.sqlite"))
        try other.write { db in try db.execute(sql: "CREATE TABLE t (x)") }
        try other.close()
        let error = #expect(throws: StoreError.self) { try ReplicaStore.open(at: folder.path("other.sqlite")) }
        #expect(error?.description.contains("accord init") == true)
    }

    /// Turns a replica file back into format 3 as Accord wrote it: one log row per run, each with
    /// its record, first hlc and previous hash, a record index, no stamps in the collection
    /// tables, and the receipt digest of those rows.
    private static func downgradeToFormat3(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE accord_change (replica INTEGER NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL,
              record TEXT NOT NULL, hlc INTEGER NOT NULL, received INTEGER NOT NULL, prev_hash BLOB, body BLOB NOT NULL,
              PRIMARY KEY (replica, first_seq)) STRICT, WITHOUT ROWID
            """)
        try db.execute(sql: "CREATE INDEX accord_change_by_record ON accord_change(record)")
        var receipts = ReceiptDigest()
        var hasher = ChangeHasher()
        for row in try Row.fetchAll(db, sql: "SELECT l.replica, r.id, l.first_seq, l.prev_hash, l.runs, l.received FROM accord_log l JOIN accord_replica r ON r.idx = l.replica") {
            let author = ReplicaID(row[1] as String)!
            let runs = try LogSegment.chain(Array(row[4] as Data), author: author, firstSeq: UInt64(row[2] as Int64),
                                            previousHash: (row[3] as Data?).flatMap { ChangeHash(bytes: Array($0)) }, hasher: &hasher).runs
            for run in runs {
                var body = ByteWriter()
                RunBodyCodec.encode(run.entries, kind: run.record.kind, baseHLC: run.entries[0].hlc, into: &body)
                try db.execute(sql: "INSERT INTO accord_change VALUES (?, ?, ?, ?, ?, ?, ?, ?)", arguments: [
                    row[0] as Int64, Int64(run.firstSeq), Int64(run.lastSeq), run.record.rawValue, Int64(run.entries[0].hlc.rawValue),
                    row[5] as Int64, run.previousHash.map { Data($0.bytes) }, Data(body.bytes)])
                receipts.add(author: author, firstSeq: run.firstSeq, lastSeq: run.lastSeq, received: row[5])
            }
        }
        try db.execute(sql: "DROP TABLE accord_log")
        for kind in RecordKind.allCases { try db.execute(sql: "ALTER TABLE \(kind.rawValue) DROP COLUMN accord_stamps") }
        try db.execute(sql: "UPDATE accord_meta SET value = ? WHERE key = 'receipts'", arguments: [receipts.hex])
        try db.execute(sql: "UPDATE accord_meta SET value = '3' WHERE key = 'format'")
    }

    /// A replica with records of every kind, a removed set element and a deleted record: what
    /// the stamps an upgrade computes must capture.
    /// Each commit a millisecond after the last, so that the upgrade, which keeps runs received at
    /// one time in one log row, gives back the rows the commits wrote.
    private static func replicaToUpgrade(_ folder: StoreTestFolder) throws -> ReplicaStore {
        let clock = StoreTestClock(1_767_225_600_000)
        let store = try folder.replica("nairobi", office: "KE", clock: clock)
        func write(_ id: RecordID, _ writes: [FieldWrite]) throws {
            clock.advance(by: 1)
            try store.write(id, writes)
        }
        for domain in ["one.example", "two.example"] {
            try write(RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: domain), [FieldWrite(field: "domain", value: .string(domain))])
        }
        try write(RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: "two.example"), [FieldWrite(field: "_deleted", value: .bool(true))])
        let activity = RecordID.random(kind: .activity, owner: OfficeCode("KE")!)
        try write(activity, [FieldWrite(field: "title", value: .string("Customs training")),
                             FieldWrite(field: "participating_countries", element: "KE", value: .bool(true)),
                             FieldWrite(field: "participating_countries", element: "UG", value: .bool(true))])
        try write(activity, [FieldWrite(field: "participating_countries", element: "UG", value: .bool(false))])
        return store
    }

    /// A format-3 file (a log row per run) opens as format 4: the runs are in `accord_log`, the
    /// old table and its record index are gone, every row has the stamps a fresh replica would
    /// have, every change and its hash is what it was, and it verifies.
    @Test func aFormat3ReplicaIsUpgradedOnOpen() throws {
        let folder = try StoreTestFolder()
        let store = try Self.replicaToUpgrade(folder)
        let tables = try store.dump()
        let log = try store.dump(tables: ["accord_log"])
        var changes: [LoggedChange] = []
        try store.forEachChange { changes.append($0) }
        try store.close()
        let raw = try DatabaseQueue(path: folder.path("nairobi.accord"))
        try raw.write(Self.downgradeToFormat3)
        try raw.close()
        let upgraded = try ReplicaStore.open(at: folder.path("nairobi.accord"))
        #expect(try upgraded.read { db in try String.fetchOne(db, sql: "SELECT value FROM accord_meta WHERE key = 'format'") } == "4")
        #expect(try upgraded.read { db in try db.tableExists("accord_change") } == false)
        #expect(try upgraded.dump(tables: ["accord_log"]) == log)
        #expect(try upgraded.dump() == tables)
        var upgradedChanges: [LoggedChange] = []
        try upgraded.forEachChange { upgradedChanges.append($0) }
        #expect(upgradedChanges == changes)
        #expect(try upgraded.verify().isValid)
    }

    /// A format-2 file (before the receipt digest) opens as format 4 with the digest computed
    /// from its log, and verifies.
    @Test func aFormat2ReplicaIsUpgradedOnOpen() throws {
        let folder = try StoreTestFolder()
        let store = try Self.replicaToUpgrade(folder)
        let digest = try store.read { db in try String.fetchOne(db, sql: "SELECT value FROM accord_meta WHERE key = 'receipts'") }
        try store.close()
        let raw = try DatabaseQueue(path: folder.path("nairobi.accord"))
        try raw.write { db in
            try Self.downgradeToFormat3(db)
            try db.execute(sql: "DELETE FROM accord_meta WHERE key = 'receipts'")
            try db.execute(sql: "UPDATE accord_meta SET value = '2' WHERE key = 'format'")
        }
        try raw.close()
        let upgraded = try ReplicaStore.open(at: folder.path("nairobi.accord"))
        #expect(try upgraded.read { db in try String.fetchOne(db, sql: "SELECT value FROM accord_meta WHERE key = 'format'") } == "4")
        #expect(try upgraded.read { db in try String.fetchOne(db, sql: "SELECT value FROM accord_meta WHERE key = 'receipts'") } == digest)
        #expect(try upgraded.verify().isValid)
    }

    @Test func reopeningKeepsTheIdentity() throws {
        let folder = try StoreTestFolder()
        let store = try folder.replica("nairobi-2", office: "KE", role: .office)
        let identity = store.identity
        try store.close()
        let reopened = try ReplicaStore.open(at: folder.path("nairobi-2.accord"))
        #expect(reopened.identity == identity)
        #expect(try reopened.knownReplicas().map(\.id) == [identity.id])
    }
}
