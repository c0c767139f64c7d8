import AccordCore
import AccordStore
import AccordSync
import Foundation
import Testing

/// What the hub refuses on push, and that nothing of a refused run is stored.
@Suite("Push authorisation and identity binding")
struct AuthorisationTests {
    /// A run written by hand, as a buggy or hostile client could send it.
    static func run(author: ReplicaID, seq: UInt64 = 1, previous: ChangeHash? = nil, record: RecordID,
                    _ fields: [(String, String)], millis: UInt64 = ReplicaStore.systemClock()) -> ChangeRun {
        ChangeRun(author: author, firstSeq: seq, record: record, previousHash: previous,
                  entries: fields.enumerated().map { offset, field in
                      ChangeRun.Entry(hlc: HLC(millis: millis, counter: UInt16(offset)), field: field.0, value: .string(field.1))
                  })
    }

    @Test func auditorPullsButItsPushIsRefused() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let kenya = try fixture.replica("nairobi-1", office: "KE")
        let auditor = try fixture.replica("audit-1", office: "KE", role: .auditor)
        _ = try Records.listAlert(kenya, domain: "pirate.example")
        #expect(throws: StoreError.self) { try auditor.write(Records.alert("KE", "x.example"), [FieldWrite(field: "domain", value: .string("x.example"))]) }

        try await fixture.serving(hub) { url in
            try await fixture.sync(kenya, with: url)
            let pulled = try await fixture.sync(auditor, with: url)
            #expect(pulled.pulled == 3 + Records.registryChanges && pulled.pushed == 0)

            let client = try fixture.client(auditor, url: url)
            defer { Task { try? await client.shutdown() } }
            let forged = Self.run(author: auditor.identity.id, record: Records.alert("KE", "y.example"), [("domain", "y.example")])
            await #expect {
                _ = try await client.push(ChangeBatch(runs: [forged]))
            } throws: { error in
                (error as? SyncFailure)?.code == "auditor-read-only" && "\(error)".contains("auditors only read")
            }
        }
        #expect(try hub.versionVector()[auditor.identity.id] == 0)
        #expect(try hub.record(Records.alert("KE", "y.example")) == nil)
    }

    /// Relays are judged by signatures, not by who delivers them: another office's signed
    /// changes merge, the same changes altered or re-signed by another key do not, and a replica
    /// the registry does not know gets nothing in.
    @Test func relayedChangesMergeOnlyWhenTheirAuthorsSignatureVerifies() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let kenya = try fixture.replica("nairobi-1", office: "KE")
        let france = try fixture.replica("paris-1", office: "FR")
        _ = try Records.listAlert(france, domain: "films.example")
        let ghost = ReplicaID.random()
        try await fixture.serving(hub) { url in
            try await fixture.sync(france, with: url)
            // France writes offline; Kenya obtains those changes (or forges them) and pushes them.
            try france.write(Records.alert("FR", "films.example"), [FieldWrite(field: "status", value: .string("offline"))])
            let frenchBatch = try france.missingChanges(for: hub.versionVector(), limit: 100)
            #expect(frenchBatch.runs.count == 1)
            // An unknown replica declared as the secretariat, writing a secretariat activity.
            let ghostRun = Self.run(author: ghost, record: Records.activity("WIPO", "ghost"), [("title", "Forged seminar")])
            let batch = ChangeBatch(authors: frenchBatch.authors.merging([ghost: AuthorInfo(author: Author(office: .secretariat, role: .secretariat), name: "geneva")]) { a, _ in a },
                                    runs: frenchBatch.runs + [ghostRun], signatures: frenchBatch.signatures)
            var hasher = ChangeHasher()

            // Altered in transit: the French signature no longer matches the chain.
            var altered = frenchBatch
            altered.runs[0].entries[0].value = .string("online")
            let alteredReport = try await fixture.push(altered, as: kenya, to: url)
            #expect(alteredReport.applied == 0)
            #expect(alteredReport.refused.map(\.rule) == ["signature-invalid"])
            // Re-signed by Kenya's key as if France had signed it.
            var resigned = frenchBatch
            resigned.signatures = try frenchBatch.signatures.map { signature in
                try ReplicaSigningKey().sign(author: signature.author, seq: signature.seq,
                                             hash: frenchBatch.runs[0].changes(hasher: &hasher).lastHash!)
            }
            let resignedReport = try await fixture.push(resigned, as: kenya, to: url)
            #expect(resignedReport.refused.map(\.rule) == ["signature-invalid"])
            #expect(try hub.record(Records.alert("FR", "films.example"))?.value(of: "status") == .string("online"))

            let report = try await fixture.push(batch, as: kenya, to: url)
            #expect(report.applied == 1)
            #expect(report.refused.map(\.rule) == ["unknown-key"])
            #expect(report.refused.first?.author == ghost.rawValue)
        }
        #expect(try hub.record(Records.alert("FR", "films.example"))?.value(of: "status") == .string("offline"))
        #expect(try hub.record(Records.activity("WIPO", "ghost")) == nil)
        #expect(try hub.versionVector()[france.identity.id] == 4)
        #expect(try hub.knownReplicas().contains { $0.id == ghost } == false)
    }

    /// A colleague's changes relayed by another laptop reach the hub once the hub knows the
    /// colleague's key: before that, nobody can tell them from forgeries.
    @Test func officeRelaysItsColleaguesChangesOnceTheColleagueIsRegistered() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let laptop1 = try fixture.replica("nairobi-1", office: "KE")
        let laptop2 = try fixture.replica("nairobi-2", office: "KE")
        _ = try Records.listAlert(laptop2, domain: "relay.example")
        // Laptop 1 got laptop 2's changes peer to peer (laptop 2 is the peer it talks to).
        let direct = MergeOptions(trustedPeers: [laptop2.identity.id])
        #expect(try laptop1.merge(laptop2.missingChanges(for: laptop1.versionVector(), limit: 100), options: direct).applied == 3)
        try await fixture.serving(hub) { url in
            let early = try await fixture.sync(laptop1, with: url)
            #expect(early.pushed == 0 && early.refusedByServer.map(\.rule) == ["unknown-key"])
            #expect(try hub.versionVector()[laptop2.identity.id] == 0)
            // Laptop 2 syncs once (the hub registers its key); its later changes travel by relay.
            try await fixture.sync(laptop2, with: url)
            _ = try Records.listAlert(laptop2, domain: "relay-2.example")
            #expect(try laptop1.merge(laptop2.missingChanges(for: laptop1.versionVector(), limit: 100), options: direct).applied == 3 + Records.registryChanges)
            let relayed = try await fixture.sync(laptop1, with: url)
            #expect(relayed.pushed == 3 && relayed.refusedCount == 0)
        }
        #expect(try hub.versionVector()[laptop2.identity.id] == 6)
        #expect(try hub.knownReplicas().first { $0.id == laptop2.identity.id }?.info?.author == Author(office: OfficeCode("KE")!, role: .office))
    }

    @Test func officeCannotWriteAnotherOfficesAlertEntryAndTheRestStillMerges() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let kenya = try fixture.replica("nairobi-1", office: "KE")
        let france = try fixture.replica("paris-1", office: "FR")
        let target = try Records.listAlert(france, domain: "films.example")
        try await fixture.serving(hub) { url in
            try await fixture.sync(france, with: url)
            _ = try Records.listAlert(france, domain: "valid.example")
            // Kenya's own forged write, and France's valid new entry relayed in the same batch.
            let forged = Self.run(author: kenya.identity.id, record: target, [("status", "offline")])
            let valid = try france.missingChanges(for: hub.versionVector(), limit: 100)
            let report = try await fixture.push(ChangeBatch(authors: Records.declaration(of: kenya), runs: [forged] + valid.runs,
                                                            signatures: valid.signatures), as: kenya, to: url)
            #expect(report.refused.count == 1)
            #expect(report.refused.first?.rule == "owner-only")
            #expect(report.refused.first?.record == target.rawValue)
            #expect(report.applied == 3)
        }
        #expect(try hub.record(target)?.value(of: "status") == .string("online"))
        #expect(try hub.versionVector()[kenya.identity.id] == 0)
        #expect(try hub.record(Records.alert("FR", "valid.example")) != nil)
    }

    @Test func secretariatCannotChangeAnAlertEntry() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let geneva = try fixture.replica("geneva-1", office: "WIPO")
        let kenya = try fixture.replica("nairobi-1", office: "KE")
        let target = try Records.listAlert(kenya, domain: "pirate.example")
        try await fixture.serving(hub) { url in
            try await fixture.sync(kenya, with: url)
            try await fixture.sync(geneva, with: url)
            // Locally refused up front…
            #expect(throws: StoreError.self) { try geneva.write(target, [FieldWrite(field: "status", value: .string("offline"))]) }
            #expect(throws: StoreError.self) { try hub.write(target, [FieldWrite(field: "status", value: .string("offline"))]) }
            // …and refused by the hub when a client sends it anyway.
            let forged = Self.run(author: geneva.identity.id, record: target, [("status", "offline")])
            let report = try await fixture.push(ChangeBatch(authors: Records.declaration(of: geneva), runs: [forged]), as: geneva, to: url)
            #expect(report.applied == 0)
            #expect(report.refused.map(\.rule) == ["alert-contributor-only"])
        }
        #expect(try hub.record(target)?.value(of: "status") == .string("online"))
        #expect(try hub.versionVector()[geneva.identity.id] == 0)
    }

    @Test func declaredIdentityOfThePusherMustMatchItsCertificate() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let kenya = try fixture.replica("nairobi-1", office: "KE")
        _ = try Records.listAlert(kenya, domain: "a.example")
        try await fixture.serving(hub) { url in
            var batch = try kenya.missingChanges(for: VersionVector(), limit: 100)
            batch.authors[kenya.identity.id] = AuthorInfo(author: Author(office: .secretariat, role: .secretariat), name: "nairobi-1")
            let report = try await fixture.push(batch, as: kenya, to: url)
            #expect(report.refused.map(\.rule) == ["identity-mismatch"])
            #expect(report.applied == 0)
        }
        #expect(try hub.versionVector()[kenya.identity.id] == 0)
    }

    @Test func secondCertificateCannotClaimABoundReplicaId() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let kenya = try fixture.replica("nairobi-1", office: "KE")
        try await fixture.serving(hub) { url in
            try await fixture.sync(kenya, with: url)
            let other = try fixture.credentials(for: kenya, by: nil)
            let failure = try await HandshakeTests.syncFailure(fixture, kenya, url, other)
            #expect(failure.code == "identity-conflict")
            #expect("\(failure)".contains("bound to another certificate"))
            // A French certificate claiming a Kenyan replica id, and anyone claiming the hub's own id.
            let french = try fixture.credentials(PeerIdentity(office: "FR", role: .office, replicaName: "paris-1"))
            let client = try SyncClient(url: url, replica: hub.identity.id, credentials: french)
            await #expect { _ = try await client.vector() } throws: { ($0 as? SyncFailure)?.code == "identity-conflict" }
            try await client.shutdown()
        }
        let bindings = try hub.bindings()
        #expect(bindings.map(\.replica) == [kenya.identity.id])
        #expect(bindings.first?.fingerprint == (try fixture.credentials(for: kenya)).certificate.sha256Fingerprint)
    }

    @Test func certificateOfAnotherOfficeCannotClaimAKnownReplica() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let laptop1 = try fixture.replica("nairobi-1", office: "KE")
        let laptop2 = try fixture.replica("nairobi-2", office: "KE")
        _ = try Records.listAlert(laptop2, domain: "relay.example")
        try await fixture.serving(hub) { url in
            try await fixture.sync(laptop2, with: url)
            try await fixture.sync(laptop1, with: url)
        }
        // Laptop 1 knows laptop 2 (KE office) from the hub's registry; laptop 2 never connected to it.
        try await fixture.serving(laptop1) { url in
            let french = try fixture.credentials(PeerIdentity(office: "FR", role: .office, replicaName: "paris-1"))
            let client = try SyncClient(url: url, replica: laptop2.identity.id, credentials: french)
            await #expect { _ = try await client.vector() } throws: { error in
                (error as? SyncFailure)?.code == "identity-mismatch" && "\(error)".contains("registered here as KE office")
            }
            try await client.shutdown()
        }
    }

    @Test func futureStampedChangeIsRefusedWithReplicaAndOffset() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let fast = try fixture.replica("nairobi-fast", office: "KE", clock: { ReplicaStore.systemClock() + 3_600_000 })
        _ = try Records.listAlert(fast, domain: "future.example")
        try await fixture.serving(hub) { url in
            let summary = try await fixture.sync(fast, with: url)
            #expect(summary.pushed == 0)
            #expect(summary.refusedByServer.count == 1)
            let refusal = try #require(summary.refusedByServer.first)
            #expect(refusal.rule == "clock-skew")
            #expect(refusal.reason.contains(fast.identity.id.rawValue))
            // The offset is the stamp minus the hub's clock when the push arrives: an hour, less
            // the time between the write and the push.
            let offset = refusal.reason.split(separator: " ").firstIndex(of: "s").flatMap { index in
                Double(refusal.reason.split(separator: " ")[index - 1])
            }
            #expect(offset.map { $0 > 3_500 && $0 <= 3_600 } == true, "\(refusal.reason)")
            #expect(summary.refusalDetails.first?.contains("clock") == true)
        }
        #expect(try hub.versionVector()[fast.identity.id] == 0)
        #expect(try fast.versionVector()[fast.identity.id] == 3)
    }
}
