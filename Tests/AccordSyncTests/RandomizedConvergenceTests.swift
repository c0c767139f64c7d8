import AccordCore
import AccordStore
import AccordSync
import AccordTestSupport
import Foundation
import Testing

/// Random offline edits at several replicas, synced with the hub in random order over real
/// TLS, always converge; the seed is printed on failure so a run can be replayed.
@Suite("Randomized convergence")
struct RandomizedConvergenceTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomEditsAndSyncOrdersConverge(seed: UInt64) async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let offices = [try fixture.replica("nairobi-1", office: "KE"), try fixture.replica("nairobi-2", office: "KE"),
                       try fixture.replica("paris-1", office: "FR")]
        let statuses = ["online", "offline"], cities = ["Nairobi", "Mombasa", "Paris", "Lyon", "Geneva"]

        try await fixture.serving(hub) { url in
            var random = SeededRandom(seed: seed)
            for _ in 0..<4 {
                // Offline edits: ALERT entries of the replica's own office, and activities,
                // which the secretariat may edit too — so fields really collide.
                for store in offices + [hub] {
                    for _ in 0..<Int.random(in: 1...4, using: &random) {
                        let office = store.identity.office.rawValue
                        if store.identity.role == .office, Bool.random(using: &random) {
                            let domain = "site\(Int.random(in: 0..<4, using: &random)).example"
                            try store.write(Records.alert(office, domain), [
                                FieldWrite(field: "domain", value: .string(domain)),
                                FieldWrite(field: "status", value: .string(statuses.randomElement(using: &random)!)),
                            ])
                        } else {
                            let owner = store.identity.role == .secretariat ? ["KE", "FR", "WIPO"].randomElement(using: &random)! : office
                            try store.write(Records.activity(owner, "event\(Int.random(in: 0..<3, using: &random))"), [
                                FieldWrite(field: "title", value: .string("Event \(Int.random(in: 0..<100, using: &random))")),
                                FieldWrite(field: "city", value: .string(cities.randomElement(using: &random)!)),
                                FieldWrite(field: "organizers", element: cities.randomElement(using: &random)!, value: .bool(Bool.random(using: &random))),
                            ])
                        }
                    }
                }
                for store in offices.shuffled(using: &random) where Bool.random(using: &random) {
                    let summary = try await fixture.sync(store, with: url, batchChanges: Int.random(in: 1...20, using: &random))
                    #expect(summary.refusedCount == 0, "seed \(seed)")
                }
            }
            // Two final rounds bring everyone up to date.
            for _ in 0..<2 { for store in offices { try await fixture.sync(store, with: url) } }
        }
        let expected = try Records.snapshot(hub)
        for store in offices {
            #expect(try Records.snapshot(store) == expected, "seed \(seed): \(store.identity.name) differs from the hub")
            #expect(try store.versionVector() == hub.versionVector(), "seed \(seed)")
        }
    }
}
