import AccordCore
import AccordStore
import Foundation
import Testing

/// Local edits, deletes and restores become changes with gap-free sequence numbers and a hash
/// chain; writes a receiver would refuse are refused before anything is written.
@Suite("Store: local edits and refusals")
struct StoreTestsLocalEdits {
    private let kenya = OfficeCode("KE")!

    private func alertID(_ domain: String, contributor: String = "KE") -> RecordID {
        RecordID.alert(contributor: OfficeCode(contributor)!, normalizedDomain: domain)
    }

    private func seedAlert(_ store: ReplicaStore, _ domain: String) throws -> RecordID {
        let id = alertID(domain, contributor: store.identity.office.rawValue)
        try store.write(id, [FieldWrite(field: "domain", value: .string(domain)), FieldWrite(field: "status", value: .string("online")),
                             FieldWrite(field: "listed_on", value: .string("2026-01-05"))])
        return id
    }

    @Test func anEditChangesOnlyTheFieldsWritten() throws {
        let folder = try StoreTestFolder()
        let store = try folder.replica("nairobi", office: "KE")
        let id = try seedAlert(store, "stream.example")
        let summary = try store.write(id, [FieldWrite(field: "status", value: .string("offline")), FieldWrite(field: "notes", value: .string("taken down"))])
        #expect(summary.records == 1)
        #expect(summary.changes == 2)
        #expect(summary.seqs == 4...5)
        let record = try #require(try store.record(id))
        #expect(record.value(of: "status") == .string("offline"))
        #expect(record.value(of: "notes") == .string("taken down"))
        #expect(record.value(of: "listed_on") == .string("2026-01-05"))
        let listed = try #require(try store.list(.alertUpload).first)
        #expect(listed["status"] == .string("offline"))
        #expect(listed["notes"] == .string("taken down"))
    }

    @Test func setElementsAreAddedAndRemovedOneByOne() throws {
        let folder = try StoreTestFolder()
        let hub = try folder.replica("hub", office: "WIPO", role: .secretariat)
        let id = RecordID.random(kind: .activity, owner: .secretariat)
        try hub.write(id, [FieldWrite(field: "title", value: .string("Seminar")),
                           FieldWrite(field: "audience", element: "judges", value: .bool(true)),
                           FieldWrite(field: "audience", element: "police", value: .bool(true))])
        try hub.write(id, [FieldWrite(field: "audience", element: "police", value: .bool(false)),
                           FieldWrite(field: "audience", element: "customs", value: .bool(true))])
        #expect(try hub.record(id)?.elements(of: "audience") == ["customs", "judges"])
        #expect(try hub.list(.activity).first?["audience"] == .array([.string("customs"), .string("judges")]))
    }

    /// Delete hides the record but keeps its values; an edit made while deleted does not bring
    /// it back, and restore shows every value, the edit included.
    @Test func deleteHidesAndRestoreBringsBackEveryValue() throws {
        let folder = try StoreTestFolder()
        let store = try folder.replica("nairobi", office: "KE")
        let id = try seedAlert(store, "stream.example")
        let other = try seedAlert(store, "other.example")
        try store.write(id, [FieldWrite(field: Change.deletedField, value: .bool(true))])
        #expect(try store.list(.alertUpload).compactMap { $0["id"] } == [.string(other.rawValue)])
        let deleted = try #require(try store.record(id))
        #expect(deleted.isDeleted)
        #expect(try store.list(.alertUpload, includeDeleted: true).first { $0["id"] == .string(id.rawValue) }?["deleted"] == .bool(true))

        try store.write(id, [FieldWrite(field: "notes", value: .string("edited while deleted"))])
        #expect(try store.record(id)?.isDeleted == true)
        #expect(try store.list(.alertUpload).count == 1)

        try store.write(id, [FieldWrite(field: Change.deletedField, value: .bool(false))])
        let restored = try #require(try store.list(.alertUpload).first { $0["id"] == .string(id.rawValue) })
        #expect(restored["status"] == .string("online"))
        #expect(restored["listed_on"] == .string("2026-01-05"))
        #expect(restored["notes"] == .string("edited while deleted"))
        #expect(restored["deleted"] == nil)
    }

    /// Sequence numbers count 1, 2, 3, … without gaps and each change chains to the one before.
    @Test func localChangesAreGapFreeAndHashChained() throws {
        let folder = try StoreTestFolder()
        let store = try folder.replica("nairobi", office: "KE")
        let a = try seedAlert(store, "a.example")
        _ = try seedAlert(store, "b.example")
        try store.write(a, [FieldWrite(field: "status", value: .string("offline"))])
        try store.write(a, [FieldWrite(field: Change.deletedField, value: .bool(true))])
        var logged: [LoggedChange] = []
        try store.forEachChange { logged.append($0) }
        #expect(logged.map(\.change.seq) == Array(1...8))
        #expect(logged.allSatisfy { $0.change.author == store.identity.id })
        #expect(logged[0].change.previousHash == nil)
        for (previous, next) in zip(logged, logged.dropFirst()) {
            #expect(next.change.previousHash == previous.hash)
            #expect(next.change.stamp > previous.change.stamp)
        }
        #expect(try store.versionVector()[store.identity.id] == 8)
    }

    /// The clock survives closing and reopening: later writes still win over earlier ones even
    /// if the wall clock went backwards in between.
    @Test func stampsKeepIncreasingAcrossReopenAndABackwardsClock() throws {
        let folder = try StoreTestFolder()
        let clock = StoreTestClock(1_800_000_000_000)
        let store = try folder.replica("nairobi", office: "KE", clock: clock)
        let id = try seedAlert(store, "a.example")
        try store.close()
        clock.now = 1_700_000_000_000
        let reopened = try ReplicaStore.open(at: folder.path("nairobi.accord"), clock: { clock.now })
        try reopened.write(id, [FieldWrite(field: "status", value: .string("offline"))])
        #expect(try reopened.record(id)?.value(of: "status") == .string("offline"))
        let history = try reopened.history(of: id, field: "status")
        #expect(history.count == 2)
        #expect(history[1].change.hlc > history[0].change.hlc)
        #expect(history[1].change.value == .string("offline"))
    }

    // MARK: refusals

    @Test func anOfficeCannotEditAnotherOfficesRecord() throws {
        let folder = try StoreTestFolder()
        let store = try folder.replica("nairobi", office: "KE")
        let before = try store.fingerprint()
        for id in [RecordID.random(kind: .activity, owner: OfficeCode("UG")!), RecordID.random(kind: .trainingVariant, owner: .secretariat)] {
            let error = #expect(throws: StoreError.self) { try store.write(id, [FieldWrite(field: "notes", value: .string("x"))]) }
            #expect(error.flatMap(refusalRule) == "owner-only")
            #expect(error?.description.contains(id.rawValue) == true)
        }
        #expect(try store.fingerprint() == before)
    }

    /// Only the contributing office changes its ALERT list: not another office, not the
    /// secretariat.
    @Test func nonContributorsCannotTouchAnALERTEntry() throws {
        let folder = try StoreTestFolder()
        let uganda = try folder.replica("kampala", office: "UG")
        let hub = try folder.replica("hub", office: "WIPO", role: .secretariat)
        let kenyanEntry = alertID("stream.example")
        for (store, rule) in [(uganda, "owner-only"), (hub, "alert-contributor-only")] {
            let before = try store.fingerprint()
            for write in [FieldWrite(field: "status", value: .string("offline")), FieldWrite(field: Change.deletedField, value: .bool(true))] {
                let error = #expect(throws: StoreError.self) { try store.write(kenyanEntry, [write]) }
                #expect(error.flatMap(refusalRule) == rule)
            }
            #expect(try store.fingerprint() == before)
        }
    }

    @Test func anAuditorCannotWriteAtAll() throws {
        let folder = try StoreTestFolder()
        let auditor = try folder.replica("audit", office: "KE", role: .auditor)
        let before = try auditor.fingerprint()
        for id in [alertID("a.example"), RecordID.random(kind: .activity, owner: kenya), RecordID.random(kind: .trainingVariant, owner: .secretariat)] {
            let error = #expect(throws: StoreError.self) { try auditor.write(id, [FieldWrite(field: "notes", value: .string("x"))]) }
            #expect(error.flatMap(refusalRule) == "auditor-read-only")
        }
        #expect(try auditor.fingerprint() == before)
    }

    /// One refused record in a commit rolls back the records written before it.
    @Test func aRefusalRollsBackTheWholeCommit() throws {
        let folder = try StoreTestFolder()
        let store = try folder.replica("nairobi", office: "KE")
        let mine = alertID("a.example")
        let theirs = alertID("a.example", contributor: "UG")
        let before = try store.fingerprint()
        #expect(throws: StoreError.self) {
            try store.commit { transaction in
                try transaction.write(mine, [FieldWrite(field: "domain", value: .string("a.example"))])
                try transaction.write(theirs, [FieldWrite(field: "domain", value: .string("a.example"))])
            }
        }
        #expect(try store.fingerprint() == before)
        // The next accepted write takes sequence number 1: the refused commit used none.
        #expect(try store.write(mine, [FieldWrite(field: "domain", value: .string("a.example"))]).seqs == 1...1)
    }

    /// Whether or not a write would change anything, another office's record is refused.
    @Test func aWriteThatChangesNothingIsStillRefusedForAnotherOfficesRecord() throws {
        let folder = try StoreTestFolder()
        let store = try folder.replica("nairobi", office: "KE")
        let error = #expect(throws: StoreError.self) { try store.write(alertID("a.example", contributor: "UG"), []) }
        #expect(error.flatMap(refusalRule) == "owner-only")
        let hub = try folder.replica("hub", office: "WIPO", role: .secretariat)
        #expect(throws: StoreError.self) { try hub.write(alertID("a.example"), []) }
    }

    @Test func anEmptyWriteWritesNothing() throws {
        let folder = try StoreTestFolder()
        let store = try folder.replica("nairobi", office: "KE")
        let summary = try store.write(alertID("a.example"), [])
        #expect(summary.changes == 0)
        #expect(summary.seqs == nil)
        #expect(try store.changeCount() == 0)
    }
}
