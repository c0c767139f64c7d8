import AccordCore
import AccordStore
import Foundation
import GRDB
import Testing

/// A large commit or merge hands its inserts to a second thread (`InsertPipeline`) while the
/// first goes on checking and hashing. Nothing of that may show: the result is the replica a
/// single thread would write, a transaction that fails part way leaves nothing behind, and SQL
/// the transaction runs itself (record lookups, registrations) sees every earlier insert.
@Suite("Store: large transactions")
struct StoreTestsLargeTransactions {
    private struct Abandoned: Error {}

    /// Far more rows than one batch of the insert thread, so that several are in flight.
    private static let recordCount = 3_000

    private static func alert(_ index: Int, prefix: String = "site") -> (RecordID, [FieldWrite]) {
        let domain = "\(prefix)-\(index).example"
        return (RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: domain), [
            FieldWrite(field: "domain", value: .string(domain)),
            FieldWrite(field: "status", value: .string(index % 2 == 0 ? "online" : "offline")),
        ])
    }

    /// Writes `recordCount` ALERT entries in one commit.
    private static func writeAlerts(to store: ReplicaStore) throws {
        _ = try store.commit { transaction in
            for index in 0..<recordCount {
                let (id, writes) = alert(index)
                try transaction.write(id, writes)
            }
        }
    }

    @Test func aLargeCommitVerifiesAndRebuildsToTheSameTables() throws {
        let folder = try StoreTestFolder()
        let store = try folder.replica("nairobi", office: "KE")
        let summary = try store.commit { transaction in
            for index in 0..<Self.recordCount {
                let (id, writes) = Self.alert(index)
                try transaction.write(id, writes)
                // Written twice in one transaction: the row must end as the second write left it.
                if index % 100 == 0 { try transaction.write(id, [FieldWrite(field: "notes", value: .string("checked twice"))]) }
            }
        }.1
        #expect(summary.records == Self.recordCount + Self.recordCount / 100)
        #expect(try store.listed(.alertUpload).count == Self.recordCount)
        #expect(try store.record(Self.alert(0).0)?.value(of: "notes") == .string("checked twice"))
        #expect(try store.record(Self.alert(0).0)?.value(of: "status") == .string("online"))
        #expect(try store.record(Self.alert(1).0)?.value(of: "status") == .string("offline"))
        let report = try store.verify()
        #expect(report.isValid, "\(report.problems.prefix(3))")
        #expect(report.changes == Self.recordCount * 2 + Self.recordCount / 100)
        let before = try store.fingerprint()
        try store.rebuild()
        #expect(try store.fingerprint() == before)
    }

    /// The insert thread binds each row's texts from copies in a `BindingArena` that SQLite reads
    /// in place: a row whose texts fill more than one of its chunks, or one text longer than a
    /// chunk, must still be stored byte for byte, and so must the rows around it.
    @Test func rowsWithTextsLargerThanTheBindingArenaAreStoredExactly() throws {
        let folder = try StoreTestFolder()
        let store = try folder.replica("nairobi", office: "KE")
        let chunk = 64 * 1024
        func text(_ index: Int, bytes: Int) -> String {
            // Multi-byte UTF-8 and a number, so that every row's texts differ.
            let unit = "版权 \(index) ü "
            return String(repeating: unit, count: bytes / unit.utf8.count + 1) + "end"
        }
        var expected: [RecordID: (notes: String, legalBasis: String)] = [:]
        _ = try store.commit { transaction in
            for index in 0..<Self.recordCount {
                let (id, writes) = Self.alert(index)
                // Every 97th row: two texts of 0.6 chunk each (together more than one chunk);
                // every 501st: one text longer than a chunk; the rest: small texts.
                let notes = text(index, bytes: index % 501 == 0 ? chunk + 1_000 : index % 97 == 0 ? chunk * 6 / 10 : 20)
                let legalBasis = text(index + 1, bytes: index % 97 == 0 ? chunk * 6 / 10 : 30)
                expected[id] = (notes, legalBasis)
                try transaction.write(id, writes + [FieldWrite(field: "notes", value: .string(notes)),
                                                    FieldWrite(field: "legal_basis", value: .string(legalBasis))])
            }
        }
        let stored = try DatabaseQueue(path: store.path).read { db in
            try Row.fetchAll(db, sql: "SELECT id, notes, legal_basis FROM alert_upload")
        }
        #expect(stored.count == Self.recordCount)
        for row in stored {
            let id = RecordID(row["id"] as String)!
            let notes: String = row["notes"]
            let legalBasis: String = row["legal_basis"]
            #expect(notes.utf8.elementsEqual(expected[id]!.notes.utf8), "notes of \(id)")
            #expect(legalBasis.utf8.elementsEqual(expected[id]!.legalBasis.utf8), "legal_basis of \(id)")
        }
        let report = try store.verify()
        #expect(report.isValid, "\(report.problems.prefix(3))")
    }

    @Test func aLargeCommitThatFailsPartWayLeavesNothing() throws {
        let folder = try StoreTestFolder()
        let store = try folder.replica("nairobi", office: "KE")
        try store.write(Self.alert(0, prefix: "kept").0, Self.alert(0, prefix: "kept").1)
        let before = try store.fingerprint()
        #expect(throws: Abandoned.self) {
            try store.commit { transaction in
                for index in 0..<Self.recordCount {
                    let (id, writes) = Self.alert(index)
                    try transaction.write(id, writes)
                }
                throw Abandoned()
            }
        }
        #expect(try store.fingerprint() == before)
        #expect(try store.verify().isValid)
    }

    /// Into a replica that already holds records, every write first reads the record's row:
    /// the lookups and the queued inserts take turns on the one connection.
    @Test func aLargeCommitOverExistingRecordsContinuesFromTheirRows() throws {
        let folder = try StoreTestFolder()
        let store = try folder.replica("nairobi", office: "KE")
        try Self.writeAlerts(to: store)
        _ = try store.commit { transaction in
            for index in 0..<Self.recordCount where index % 3 == 0 {
                try transaction.write(Self.alert(index).0, [FieldWrite(field: "category", value: .string("streaming"))])
                let (id, writes) = Self.alert(index, prefix: "new")
                try transaction.write(id, writes)
            }
        }
        let entry = try #require(try store.record(Self.alert(3).0))
        #expect(entry.value(of: "category") == .string("streaming"))
        #expect(entry.value(of: "status") == .string("offline"))
        #expect(try store.listed(.alertUpload).count == Self.recordCount + Self.recordCount / 3)
        let report = try store.verify()
        #expect(report.isValid, "\(report.problems.prefix(3))")
        let before = try store.fingerprint()
        try store.rebuild()
        #expect(try store.fingerprint() == before)
    }

    /// Whole-log replays cut into passes over ranges of ids (a replica larger than the records
    /// they hold in memory) give what one pass gives: the same rebuilt tables, the same
    /// verification, the same `--as-of` list, tampering found in every range.
    @Test func replaysInSeveralPassesGiveWhatOnePassGives() throws {
        let folder = try StoreTestFolder()
        let clock = StoreTestClock(1_767_225_600_000)
        let store = try folder.replica("nairobi", office: "KE", clock: clock)
        try Self.writeAlerts(to: store)
        clock.advance(by: 1_000)
        try store.write(RecordID.random(kind: .activity, owner: OfficeCode("KE")!), [FieldWrite(field: "title", value: .string("Customs"))])
        let instant = clock.now
        clock.advance(by: 1_000)
        _ = try store.commit { transaction in
            for index in stride(from: 0, to: Self.recordCount, by: 7) {
                try transaction.write(Self.alert(index).0, [FieldWrite(field: "notes", value: .string("later"))])
            }
        }
        let onePass = try store.list(.alertUpload, asOf: instant)
        #expect(onePass.count == Self.recordCount)
        #expect(try store.list(.alertUpload, asOf: instant, recordsInMemory: 250) == onePass)
        #expect(try store.list(.alertUpload, asOf: clock.now, recordsInMemory: 250) == store.list(.alertUpload, asOf: clock.now))
        #expect(try store.verify(recordsInMemory: 250).isValid)
        let before = try store.fingerprint()
        try store.rebuild(recordsInMemory: 250)
        #expect(try store.fingerprint() == before)

        // A row edited near the end and one removed near the start are both found.
        let ids = try store.read { db in try String.fetchAll(db, sql: "SELECT id FROM alert_upload ORDER BY id") }
        let raw = try DatabaseQueue(path: store.path)
        try raw.write { db in
            try db.execute(sql: "UPDATE alert_upload SET status = CASE status WHEN 'online' THEN 'offline' ELSE 'online' END WHERE id = ?",
                           arguments: [ids[ids.count - 2]])
            try db.execute(sql: "DELETE FROM alert_upload WHERE id = ?", arguments: [ids[3]])
        }
        try raw.close()
        let problems = try store.verify(recordsInMemory: 250).problems
        #expect(problems.contains { $0.rule == "table-mismatch" && $0.record == ids[ids.count - 2] })
        #expect(problems.contains { $0.rule == "table-mismatch" && $0.record == ids[3] })
        try store.rebuild(recordsInMemory: 250)
        #expect(try store.fingerprint() == before)
    }

    /// A large merge into an empty replica gives the tables of its source, and verifies.
    @Test func aLargeMergeGivesTheSourcesTables() throws {
        let folder = try StoreTestFolder()
        let source = try folder.replica("nairobi", office: "KE")
        try Self.writeAlerts(to: source)
        let target = try folder.replica("geneva", office: "CH")
        let report = try target.merge(try source.missingChanges(for: VersionVector(), limit: .max),
                                      options: MergeOptions(trustedPeers: [source.identity.id]))
        #expect(report.applied == Self.recordCount * 2 && report.refused.isEmpty)
        #expect(try target.dump() == source.dump())
        #expect(try target.verify().isValid)
    }
}
