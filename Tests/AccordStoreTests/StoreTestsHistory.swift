import AccordCore
import AccordStore
import Foundation
import Testing

/// Auditors need every change with its author, and the store as it was at any past instant.
/// With an injected clock the test scripts when each change is received and checks `asOf`
/// against snapshots taken at those moments.
@Suite("Store: history and as-of")
struct StoreTestsHistory {
    private let start: UInt64 = 1_780_000_000_000

    @Test func historyListsEveryChangeWithItsAuthorInStampOrder() throws {
        let folder = try StoreTestFolder()
        let store = try folder.replica("nairobi-1", office: "KE")
        let csv = "domain,status,category\nstream.example,online,iptv\n"
        _ = try store.importRecords(.alertUpload, bytes: Array(csv.utf8), format: .csv)
        let id = RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: "stream.example")
        try store.write(id, [FieldWrite(field: "status", value: .string("offline"))])
        try store.write(id, [FieldWrite(field: Change.deletedField, value: .bool(true))])
        try store.write(id, [FieldWrite(field: Change.deletedField, value: .bool(false))])

        let history = try store.history(of: id)
        // An import writes a record's fields in schema order.
        #expect(history.map(\.change.field) == ["domain", "category", "status", "status", "_deleted", "_deleted"])
        #expect(history.map(\.change.seq) == Array(1...6))
        #expect(history.map(\.change.value).suffix(3) == [.string("offline"), .bool(true), .bool(false)])
        for logged in history {
            #expect(logged.change.author == store.identity.id)
            #expect(logged.authorInfo == AuthorInfo(author: Author(office: OfficeCode("KE")!, role: .office), name: "nairobi-1", publicKey: store.publicKey))
            #expect(logged.change.record == id)
        }
        #expect(zip(history, history.dropFirst()).allSatisfy { $0.change.stamp < $1.change.stamp })

        let status = try store.history(of: id, field: "status")
        #expect(status.map(\.change.value) == [.string("online"), .string("offline")])
        #expect(try store.history(of: id, field: "notes").isEmpty)
        #expect(try store.history(of: RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: "other.example")).isEmpty)
    }

    /// The log export gives every change once, author by author in sequence order.
    @Test func theLogHoldsEveryChangeOnce() throws {
        let folder = try StoreTestFolder()
        let bytes = try #require(try StoreTestSamples.alertFilesByContributor("alert_upload.sample.jsonl")["KR"])
        let korea = try folder.replica("seoul", office: "KR")
        let report = try korea.importRecords(.alertUpload, bytes: bytes, format: .jsonl)
        var seqs: [UInt64] = []
        try korea.forEachChange { seqs.append($0.change.seq) }
        #expect(seqs == Array(1...UInt64(report.changes)))
    }

    /// A scripted day: import, edit, delete, restore, each received at a known instant. The
    /// store as of any instant equals the snapshot taken right after the last step before it.
    @Test func listAsOfMatchesSnapshotsOfAScriptedHistory() throws {
        let folder = try StoreTestFolder()
        let clock = StoreTestClock(start)
        let store = try folder.replica("nairobi", office: "KE", clock: clock)
        let a = RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: "a.example")
        let b = RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: "b.example")
        var snapshots: [(at: UInt64, records: [String])] = [(start - 1, [])]

        let steps: [() throws -> Void] = [
            { _ = try store.importRecords(.alertUpload, bytes: Array("domain,status\na.example,online\nb.example,online\n".utf8), format: .csv) },
            { try store.write(a, [FieldWrite(field: "status", value: .string("offline"))]) },
            { try store.write(b, [FieldWrite(field: Change.deletedField, value: .bool(true))]) },
            { try store.write(b, [FieldWrite(field: "notes", value: .string("while deleted"))]) },
            { try store.write(a, [FieldWrite(field: "removed_on", value: .string("2026-06-01"))]) },
            { try store.write(b, [FieldWrite(field: Change.deletedField, value: .bool(false))]) },
        ]
        for step in steps {
            try step()
            snapshots.append((clock.now, try store.listed(.alertUpload)))
            clock.advance(by: 60_000)
        }
        #expect(snapshots.map(\.records.count) == [0, 2, 2, 1, 1, 1, 2])

        for (index, snapshot) in snapshots.enumerated() {
            // At the instant of the step, just before the next one, and never the next one's.
            for instant in index == 0 ? [0, snapshot.at] : [snapshot.at, snapshot.at + 59_999] {
                #expect(try store.list(.alertUpload, asOf: instant).map(\.serialized) == snapshot.records, "step \(index) at \(instant)")
            }
        }
        #expect(try store.record(a, asOf: start)?.value(of: "status") == .string("online"))
        #expect(try store.record(a, asOf: start + 60_000)?.value(of: "status") == .string("offline"))
        #expect(try store.record(a, asOf: start - 1) == nil)
        #expect(try store.record(b, asOf: start + 3 * 60_000)?.isDeleted == true)
        #expect(try store.record(b, asOf: start + 3 * 60_000)?.value(of: "notes") == .string("while deleted"))
        // Deleted records are there too when asked for, marked, as the table shows them.
        let withDeleted = try store.list(.alertUpload, asOf: start + 3 * 60_000, includeDeleted: true)
        #expect(withDeleted.count == 2)
        #expect(withDeleted.filter { $0["deleted"] == .bool(true) }.compactMap { $0["id"] } == [.string(b.rawValue)])
    }

    /// The collection table (a materialised view) and a replay of the whole log agree, for
    /// every sample, Unicode text and sets included.
    @Test func theTablesAgreeWithAReplayOfTheLog() throws {
        let folder = try StoreTestFolder()
        let clock = StoreTestClock(start)
        let hub = try folder.replica("hub", office: "WIPO", role: .secretariat, clock: clock)
        _ = try hub.importRecords(.activity, bytes: StoreTestSamples.bytes("activity.sample.jsonl"), format: .jsonl)
        _ = try hub.importRecords(.trainingVariant, bytes: StoreTestSamples.bytes("training_variant.sample.jsonl"), format: .jsonl)
        let korea = try folder.replica("seoul", office: "KR", clock: clock)
        let bytes = try #require(try StoreTestSamples.alertFilesByContributor("alert_upload.sample.csv")["KR"])
        _ = try korea.importRecords(.alertUpload, bytes: bytes, format: .csv)
        for (store, kind) in [(hub, RecordKind.activity), (hub, .trainingVariant), (korea, .alertUpload)] {
            let table = try store.listed(kind)
            #expect(!table.isEmpty)
            #expect(try store.list(kind, asOf: clock.now).map(\.serialized) == table, "\(kind)")
            // Each record read from the log alone matches its row.
            for document in try store.list(kind) {
                guard case .string(let text)? = document["id"], let id = RecordID(text) else { continue }
                #expect(try store.record(id)?.json().serialized == document.serialized)
            }
        }
    }
}
