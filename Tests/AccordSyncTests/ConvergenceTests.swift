import AccordCore
import AccordStore
import AccordSync
import Foundation
import Testing

/// Offices and the hub converge over real mutual TLS on 127.0.0.1.
@Suite("Sync convergence")
struct ConvergenceTests {
    @Test func officesConvergeAfterOfflineWork() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let kenya = try fixture.replica("nairobi-1", office: "KE")
        let france = try fixture.replica("paris-1", office: "FR")

        // Offline work everywhere.
        for domain in ["stream-ke.example", "漫画.example", "fußball.example"] { _ = try Records.listAlert(kenya, domain: domain) }
        for domain in ["films-fr.example", "séries.example"] { _ = try Records.listAlert(france, domain: domain) }
        try hub.write(Records.activity("WIPO", "seminar1"), [FieldWrite(field: "title", value: .string("Regional seminar on enforcement"))])

        try await fixture.serving(hub) { url in
            let first = try await fixture.sync(kenya, with: url)
            // Each office also pulls the registry records of the replicas the hub knows by then.
            let registry = Records.registryChanges
            #expect(first.pushed == 9 && first.pulled == 1 + registry && first.refusedCount == 0)
            let second = try await fixture.sync(france, with: url)
            #expect(second.pushed == 6 && second.pulled == 10 + 2 * registry && second.refusedCount == 0)
            let third = try await fixture.sync(kenya, with: url)
            #expect(third.pushed == 0 && third.pulled == 6 + registry)
        }
        let expected = try Records.snapshot(hub)
        #expect(expected.count == 6 + 2)
        #expect(try Records.snapshot(kenya) == expected)
        #expect(try Records.snapshot(france) == expected)
        #expect(try kenya.versionVector() == hub.versionVector())
        #expect(try france.versionVector() == hub.versionVector())
    }

    /// The hub lists a pusher in its registry before it merges the pusher's first changes: an
    /// office pulling between the two commits must never get changes whose key no registry
    /// record gives yet (it would refuse them as `unknown-key`). The hub's clock ticks once per
    /// reading, so its `received` times give the order of its commits.
    @Test func theRegistryRecordIsStoredBeforeThePushersChanges() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let ticks = TickingClock(start: ReplicaStore.systemClock())
        let hub = try fixture.replica("hub", office: "WIPO", clock: { ticks.next() })
        let kenya = try fixture.replica("nairobi-1", office: "KE")
        let listed = try Records.listAlert(kenya, domain: "stream-ke.example")
        try await fixture.serving(hub) { url in _ = try await fixture.sync(kenya, with: url) }
        let registered = try #require(try hub.history(of: RecordID.registry(of: kenya.identity.id, secretariat: hub.identity.office)).first)
        let merged = try #require(try hub.history(of: listed).first)
        #expect(registered.receivedMillis < merged.receivedMillis)
    }

    @Test func concurrentEditConvergesToOneWinnerEverywhere() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let laptop1 = try fixture.replica("nairobi-1", office: "KE")
        let laptop2 = try fixture.replica("nairobi-2", office: "KE")
        let workshop = Records.activity("KE", "workshop1")

        try await fixture.serving(hub) { url in
            try laptop1.write(workshop, [FieldWrite(field: "title", value: .string("Workshop on online piracy")),
                                         FieldWrite(field: "city", value: .string("Nairobi"))])
            try await fixture.sync(laptop1, with: url)
            try await fixture.sync(laptop2, with: url)

            // Offline, three replicas write the same field: two laptops of the owner and the
            // secretariat (which may edit any office's activities).
            try laptop1.write(workshop, [FieldWrite(field: "city", value: .string("Mombasa"))])
            try laptop2.write(workshop, [FieldWrite(field: "city", value: .string("Kisumu"))])
            try hub.write(workshop, [FieldWrite(field: "city", value: .string("Eldoret"))])

            for _ in 0..<2 {
                try await fixture.sync(laptop1, with: url)
                try await fixture.sync(laptop2, with: url)
            }
        }
        let history = try hub.history(of: workshop, field: "city")
        #expect(history.count == 4)
        let winner = try #require(history.max { $0.change.stamp < $1.change.stamp })
        for store in [hub, laptop1, laptop2] {
            let record = try #require(try store.record(workshop))
            #expect(record.value(of: "city") == winner.change.value)
            #expect(record.stamped("city")?.stamp == winner.change.stamp)
        }
        #expect(try Records.snapshot(laptop1) == Records.snapshot(hub))
        #expect(try Records.snapshot(laptop2) == Records.snapshot(hub))
    }

    @Test func nothingNewCostsOneSmallRoundTrip() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let kenya = try fixture.replica("nairobi-1", office: "KE")
        for index in 0..<50 { _ = try Records.listAlert(kenya, domain: "site\(index).example") }
        try await fixture.serving(hub) { url in
            try await fixture.sync(kenya, with: url)
            let noop = try await fixture.sync(kenya, with: url)
            #expect(noop.pushed == 0 && noop.pulled == 0 && noop.refusedCount == 0)
            #expect(noop.traffic.roundTrips == 1)
            // The hub's vector: magic, version, count and two entries (hub and laptop).
            #expect(noop.traffic.received < 40)
        }
    }

    @Test func largeSyncTravelsInBoundedBatches() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let kenya = try fixture.replica("nairobi-1", office: "KE")
        let fresh = try fixture.replica("nairobi-2", office: "KE")
        let rows = (0..<1_000).map { "KE,site\($0).example,website,streaming,online,2026-09-01,,,,\n" }.joined()
        let csv = "contributor,domain,kind,category,status,listed_on,removed_on,legal_basis,redirects_to,notes\n" + rows
        let imported = try kenya.importRecords(.alertUpload, bytes: Array(csv.utf8), format: .csv)
        try await fixture.serving(hub) { url in
            let pushed = try await fixture.sync(kenya, with: url, batchChanges: 700)
            #expect(pushed.pushed == imported.changes)
            // A batch ends on a signed change: the import signed a checkpoint every 1,000 changes.
            let perBatch = max(700, CommitSignature.checkpointInterval)
            #expect(pushed.traffic.roundTrips >= 1 + imported.changes / perBatch)
            let pulled = try await fixture.sync(fresh, with: url, batchChanges: 700)
            #expect(pulled.pulled == imported.changes + Records.registryChanges)
            #expect(pulled.traffic.roundTrips >= 1 + imported.changes / perBatch)
        }
        #expect(try Records.snapshot(fresh) == Records.snapshot(kenya))
        #expect(try Records.snapshot(hub) == Records.snapshot(kenya))
    }
}

/// Any replica can serve: two laptops of one office sync directly, no hub involved.
@Suite("Peer to peer")
struct PeerTests {
    @Test func twoLaptopsOfAnOfficeSyncDirectly() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let laptop1 = try fixture.replica("nairobi-1", office: "KE")
        let laptop2 = try fixture.replica("nairobi-2", office: "KE")
        _ = try Records.listAlert(laptop1, domain: "one.example")
        _ = try Records.listAlert(laptop2, domain: "two.example")
        try hub.write(Records.activity("WIPO", "forum"), [FieldWrite(field: "title", value: .string("Global forum"))])
        // Laptop 1 has the secretariat's activity; laptop 2 does not.
        try await fixture.serving(hub) { url in try await fixture.sync(laptop1, with: url) }

        try await fixture.serving(laptop2) { url in
            let client = try SyncClient(url: url, replica: laptop1.identity.id, credentials: fixture.credentials(for: laptop1),
                                        verifyHostname: false, connectTimeout: .seconds(1))
            let summary = try await SyncSession(store: laptop1, client: client).run()
            try await client.shutdown()
            #expect(summary.pushed == 3 && summary.pulled == 3)
            // The secretariat's change is not relayed by an office: laptop 2 gets it from the hub.
            #expect(summary.notOffered == 1 + Records.registryChanges && summary.refusedCount == 0)
        }
        #expect(try laptop2.record(Records.alert("KE", "one.example")) != nil)
        #expect(try laptop1.record(Records.alert("KE", "two.example")) != nil)
        #expect(try laptop2.record(Records.activity("WIPO", "forum")) == nil)
        #expect(try laptop2.bindings().map(\.replica) == [laptop1.identity.id])
    }
}

/// A clock that moves one millisecond forward on every reading.
final class TickingClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now: UInt64

    init(start: UInt64) { now = start }

    func next() -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        now += 1
        return now
    }
}
