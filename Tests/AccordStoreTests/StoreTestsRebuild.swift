import AccordCore
import AccordStore
import Foundation
import GRDB
import Testing

/// The change log is the source of truth and the collection tables a view of it: `rebuild`
/// must recreate them identically, down to every column's value and SQLite type.
@Suite("Store: rebuild")
struct StoreTestsRebuild {
    /// A replica with every sample imported, plus edits, deletes, restores and set changes.
    private func populatedHub(_ folder: StoreTestFolder) throws -> ReplicaStore {
        let hub = try folder.replica("hub", office: "WIPO", role: .secretariat)
        _ = try hub.importRecords(.activity, bytes: StoreTestSamples.bytes("activity.sample.jsonl"), format: .jsonl)
        _ = try hub.importRecords(.trainingVariant, bytes: StoreTestSamples.bytes("training_variant.sample.jsonl"), format: .jsonl)
        let activities = try hub.list(.activity).compactMap { $0["id"].flatMap { if case .string(let s) = $0 { RecordID(s) } else { nil } } }
        try hub.write(activities[0], [FieldWrite(field: "participant_count", value: .int(31)),
                                      FieldWrite(field: "audience", element: "judges", value: .bool(true))])
        try hub.write(activities[1], [FieldWrite(field: Change.deletedField, value: .bool(true))])
        try hub.write(activities[2], [FieldWrite(field: Change.deletedField, value: .bool(true))])
        try hub.write(activities[2], [FieldWrite(field: Change.deletedField, value: .bool(false)),
                                      FieldWrite(field: "notes", value: .null)])
        return hub
    }

    @Test func rebuildGivesIdenticalTables() throws {
        let folder = try StoreTestFolder()
        let hub = try populatedHub(folder)
        let italy = try folder.replica("rome", office: "IT")
        let italianList = try #require(try StoreTestSamples.alertFilesByContributor("alert_upload.sample.csv")["IT"])
        _ = try italy.importRecords(.alertUpload, bytes: italianList, format: .csv)
        for store in [hub, italy] {
            let before = try store.fingerprint()
            try store.rebuild()
            #expect(try store.fingerprint() == before)
        }
    }

    /// Tables damaged behind Accord's back (a user's stray UPDATE/DELETE) are made right again.
    @Test func rebuildRepairsTamperedTables() throws {
        let folder = try StoreTestFolder()
        let hub = try populatedHub(folder)
        let expected = try hub.dump()
        let log = try hub.dump(tables: ["accord_log"])
        let outside = try DatabaseQueue(path: hub.path)
        try outside.write { db in
            try db.execute(sql: "UPDATE activity SET title = 'tampered', participant_count = 999 WHERE id IN (SELECT id FROM activity ORDER BY id LIMIT 3)")
            try db.execute(sql: "DELETE FROM training_variant WHERE id IN (SELECT id FROM training_variant ORDER BY id LIMIT 2)")
            try db.execute(sql: "INSERT INTO alert_upload (id, owner, contributor, domain, accord_stamps) VALUES ('alert-KE-zzz', 'KE', 'KE', 'ghost.example', x'01')")
        }
        try outside.close()
        #expect(try hub.dump() != expected)
        try hub.rebuild()
        #expect(try hub.dump() == expected)
        #expect(try hub.dump(tables: ["accord_log"]) == log)
    }

    /// A reopened replica rebuilds to the same tables too (nothing lives only in memory).
    @Test func rebuildAfterReopeningGivesIdenticalTables() throws {
        let folder = try StoreTestFolder()
        let hub = try populatedHub(folder)
        let before = try hub.fingerprint()
        try hub.close()
        let reopened = try ReplicaStore.open(at: folder.path("hub.accord"))
        #expect(try reopened.fingerprint() == before)
        try reopened.rebuild()
        #expect(try reopened.fingerprint() == before)
    }
}
