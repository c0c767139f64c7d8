import AccordCore
import AccordStore
import AccordSync
import Foundation
import Testing

/// A sync cut off part way resumes from the version vectors: nothing lost, nothing twice.
@Suite("Interrupted sync resumes")
struct ResumeTests {
    /// Cancels the sync's own task after `batches` batches: the next round trip fails, as it
    /// would when the connection drops or the process is interrupted between two batches.
    static func cutAfter(_ batches: Int) -> @Sendable (SyncProgress) -> Void {
        let seen = Counter()
        return { _ in
            if seen.increment() == batches { withUnsafeCurrentTask { $0?.cancel() } }
        }
    }

    static func changes(by author: ReplicaID, in store: ReplicaStore) throws -> [UInt64] {
        var seqs: [UInt64] = []
        try store.forEachChange { if $0.change.author == author { seqs.append($0.change.seq) } }
        return seqs
    }

    @Test func interruptedPushResumes() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let kenya = try fixture.replica("nairobi-1", office: "KE")
        for index in 0..<100 { _ = try Records.listAlert(kenya, domain: "site\(index).example") }
        let total: UInt64 = 300
        try await fixture.serving(hub) { url in
            let client = try fixture.client(kenya, url: url)
            let session = SyncSession(store: kenya, client: client, batchChanges: 30)
            let cut = Task { try await session.run(progress: Self.cutAfter(3)) }
            await #expect(throws: (any Error).self) { _ = try await cut.value }
            try await client.shutdown()
            let partial = try hub.versionVector()[kenya.identity.id]
            #expect(partial >= 90 && partial < total, "the hub holds \(partial) changes after the cut")

            let resumed = try await fixture.sync(kenya, with: url, batchChanges: 30)
            #expect(UInt64(resumed.pushed) == total - partial)
            #expect(resumed.refusedCount == 0)
        }
        #expect(try Self.changes(by: kenya.identity.id, in: hub) == Array(1...total))
        #expect(try Records.snapshot(hub) == Records.snapshot(kenya))
    }

    @Test func interruptedPullResumes() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let kenya = try fixture.replica("nairobi-1", office: "KE")
        let fresh = try fixture.replica("nairobi-2", office: "KE")
        for index in 0..<100 { _ = try Records.listAlert(kenya, domain: "site\(index).example") }
        let total: UInt64 = 300
        try await fixture.serving(hub) { url in
            try await fixture.sync(kenya, with: url)
            let client = try fixture.client(fresh, url: url)
            let session = SyncSession(store: fresh, client: client, batchChanges: 30)
            let cut = Task { try await session.run(progress: Self.cutAfter(4)) }
            await #expect(throws: (any Error).self) { _ = try await cut.value }
            try await client.shutdown()
            let partial = try fresh.versionVector()[kenya.identity.id]
            // Four batches of 30; the first starts with the hub's registry record of nairobi-1.
            #expect(partial >= 120 - UInt64(Records.registryChanges) && partial < total, "the laptop holds \(partial) changes after the cut")

            let resumed = try await fixture.sync(fresh, with: url, batchChanges: 30)
            #expect(UInt64(resumed.pulled) == total - partial)
        }
        #expect(try Self.changes(by: kenya.identity.id, in: fresh) == Array(1...total))
        #expect(try Records.snapshot(fresh) == Records.snapshot(kenya))
    }

    @Test func batchDeliveredTwiceIsIgnored() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let kenya = try fixture.replica("nairobi-1", office: "KE")
        for index in 0..<10 { _ = try Records.listAlert(kenya, domain: "site\(index).example") }
        try await fixture.serving(hub) { url in
            let batch = try kenya.missingChanges(for: VersionVector(), limit: 1_000)
            let client = try fixture.client(kenya, url: url)
            let (first, _) = try await client.push(batch)
            let (again, _) = try await client.push(batch)
            try await client.shutdown()
            #expect(first.applied == 30 && first.duplicates == 0)
            #expect(again.applied == 0 && again.duplicates == 30)
        }
        #expect(try Self.changes(by: kenya.identity.id, in: hub) == Array(1...30))
    }
}

/// A thread-safe counter for callbacks.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
