import AccordCore
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// Every change is refused at merge unless its author's signature over the chain verifies with
/// the key this replica knows for that author — and registry records only from the secretariat.
@Suite("Signatures on merge")
struct MergeSignatureTests {
    let folder: StoreTestFolder
    let kenya: ReplicaStore
    let receiver: ReplicaStore
    let batch: ChangeBatch

    init() throws {
        folder = try StoreTestFolder()
        kenya = try folder.replica("nairobi-1", office: "KE")
        receiver = try folder.replica("nairobi-2", office: "KE")
        for domain in ["one.example", "two.example", "three.example"] { _ = try Self.listAlert(kenya, domain) }
        try receiver.pin(kenya.identity.id, author: kenya.identity.author, name: nil, publicKey: kenya.publicKey!)
        batch = try kenya.missingChanges(for: VersionVector(), limit: 1_000)
    }

    static func listAlert(_ store: ReplicaStore, _ domain: String) throws -> RecordID {
        let id = RecordID.alert(contributor: store.identity.office, normalizedDomain: domain)
        try store.write(id, [FieldWrite(field: "domain", value: .string(domain)), FieldWrite(field: "status", value: .string("online"))])
        return id
    }

    func expectNothingStored() throws {
        #expect(try receiver.versionVector()[kenya.identity.id] == 0)
        #expect(try receiver.list(.alertUpload).isEmpty)
    }

    @Test func anHonestBatchMerges() throws {
        #expect(batch.signatures.count == 3)
        let report = try receiver.merge(batch)
        #expect(report.applied == 6 && report.refused.isEmpty)
        #expect(try receiver.verify().isValid)
    }

    /// A laptop restored from an old backup writes again with sequence numbers it had already
    /// used: its author signed two histories. The receiver keeps what it holds and reports the
    /// proof, rather than counting the other history as a duplicate.
    @Test func aForkedHistoryIsReportedAndTheHeldOneKept() throws {
        let key = ReplicaSigningKey()
        let laptop = ReplicaIdentity(id: .random(), office: OfficeCode("KE")!, role: .office, name: "nairobi-3")
        let firstWrite = try ReplicaStore.create(at: folder.path("original.accord"), identity: laptop, signingKey: key)
        _ = try Self.listAlert(firstWrite, "first.example")
        try firstWrite.close()
        // The backup: the database and its key file as they were after the first commit.
        for suffix in ["", ".key"] {
            try FileManager.default.copyItem(atPath: folder.path("original.accord" + suffix), toPath: folder.path("restored.accord" + suffix))
        }
        let original = try ReplicaStore.open(at: folder.path("original.accord"))
        let restored = try ReplicaStore.open(at: folder.path("restored.accord"))
        _ = try Self.listAlert(original, "second.example")
        _ = try Self.listAlert(restored, "other.example")
        try receiver.pin(laptop.id, author: laptop.author, name: nil, publicKey: key.publicKey)
        #expect(try receiver.merge(original.missingChanges(for: VersionVector(), limit: 100)).applied == 4)
        let before = try receiver.list(.alertUpload)

        let report = try receiver.merge(restored.missingChanges(for: VersionVector(), limit: 100))
        #expect(report.duplicates == 2, "the shared first commit is a plain duplicate")
        #expect(report.refused.map(\.rule) == ["forked"])
        #expect(report.refused.first?.seqs == 3...4)
        #expect(report.refused.first?.reason.contains("two different histories") == true)
        #expect(report.applied == 0)
        #expect(try receiver.list(.alertUpload) == before)
        #expect(try receiver.verify().isValid)
    }

    @Test func anAlteredValueIsRefused() throws {
        var altered = batch
        altered.runs[0].entries[1].value = .string("offline")
        let report = try receiver.merge(altered)
        #expect(report.refused.first?.rule == "signature-invalid")
        #expect(report.refused.first?.reason.contains("does not verify") == true)
        #expect(report.applied == 0)
        try expectNothingStored()
    }

    @Test func aSwappedSignatureIsRefused() throws {
        var swapped = batch
        swapped.signatures[0].bytes = batch.signatures[1].bytes
        let report = try receiver.merge(swapped)
        #expect(report.refused.map(\.rule) == ["signature-invalid"])
        #expect(report.held.count == 2, "the later runs wait for the refused one")
        try expectNothingStored()
    }

    @Test func aDeletedChangeHoldsBackTheRest() throws {
        var gapped = batch
        gapped.runs.remove(at: 1)
        let report = try receiver.merge(gapped)
        #expect(report.applied == 2)
        #expect(report.held.map(\.rule) == ["gap"])
    }

    @Test func reorderedSequenceNumbersAreRefused() throws {
        var reordered = batch
        (reordered.runs[1].firstSeq, reordered.runs[2].firstSeq) = (reordered.runs[2].firstSeq, reordered.runs[1].firstSeq)
        let report = try receiver.merge(reordered)
        #expect(report.applied == 2)
        #expect(report.refused.map(\.rule) == ["chain-broken"])
    }

    @Test func unsignedChangesAreRefused() throws {
        var unsigned = batch
        unsigned.signatures.removeAll()
        let report = try receiver.merge(unsigned)
        #expect(Set(report.refused.map(\.rule)) == ["unsigned"])
        try expectNothingStored()
    }

    @Test func aChangeClaimingAnotherReplicasIdIsRefused() throws {
        // Kenya's signed changes relabelled as a colleague's whose key the receiver knows.
        let colleague = try folder.replica("nairobi-3", office: "KE")
        try receiver.pin(colleague.identity.id, author: colleague.identity.author, name: nil, publicKey: colleague.publicKey!)
        var forged = batch
        for index in forged.runs.indices { forged.runs[index].author = colleague.identity.id }
        for index in forged.signatures.indices { forged.signatures[index].author = colleague.identity.id }
        let report = try receiver.merge(forged)
        #expect(report.refused.first?.rule == "signature-invalid")
        #expect(report.applied == 0)
        #expect(try receiver.versionVector()[colleague.identity.id] == 0)
    }

    @Test func aChangeByAKeyNobodyKnowsIsRefused() throws {
        let stranger = try folder.replica("stranger", office: "KE")
        let report = try stranger.merge(batch)
        #expect(Set(report.refused.map(\.rule)) == ["unknown-key"])
        #expect(report.refused.first?.reason.contains("registry") == true)
        #expect(try stranger.versionVector()[kenya.identity.id] == 0)
        #expect(try stranger.knownReplicas().contains { $0.id == kenya.identity.id } == false)
    }

    @Test func registryRecordsComeOnlyFromTheSecretariat() throws {
        let hub = try folder.replica("hub", office: "WIPO", role: .secretariat)
        let stranger = ReplicaSigningKey()
        let newcomer = ReplicaID.random()
        try receiver.pin(hub.identity.id, author: hub.identity.author, name: nil, publicKey: hub.publicKey!)
        func registration(by author: ReplicaID, secretariat: OfficeCode, key: ReplicaSigningKey) throws -> ChangeBatch {
            let run = ChangeRun(author: author, firstSeq: 1, record: RecordID.registry(of: newcomer, secretariat: secretariat), previousHash: nil,
                                entries: [ChangeRun.Entry(hlc: HLC(millis: ReplicaStore.systemClock()), field: "office", value: .string("KE")),
                                          ChangeRun.Entry(hlc: HLC(millis: ReplicaStore.systemClock(), counter: 1), field: "role", value: .string("secretariat")),
                                          ChangeRun.Entry(hlc: HLC(millis: ReplicaStore.systemClock(), counter: 2), field: "public_key", value: .string(stranger.publicKey.hex))])
            return try ChangeBatch(runs: [run]).signingEveryRun { _ in key }
        }
        // An office registering a replica (signed by the office itself): not its to write.
        let byOffice = try receiver.merge(registration(by: kenya.identity.id, secretariat: .secretariat, key: ReplicaSigningKey()))
        #expect(byOffice.refused.first?.rule == "registry-secretariat-only")
        // A registry record claiming to be the hub's but signed by another key.
        let forgedHub = try receiver.merge(registration(by: hub.identity.id, secretariat: .secretariat, key: stranger))
        #expect(forgedHub.refused.map(\.rule) == ["signature-invalid"])
        #expect(try receiver.publicKey(of: newcomer) == nil)
        // The hub's own registration is believed: the newcomer's key and role are learned.
        #expect(try hub.registerReplica(newcomer, author: Author(office: OfficeCode("KE")!, role: .office), name: "newcomer",
                                        publicKey: stranger.publicKey, certificateFingerprint: nil))
        let genuine = try receiver.merge(hub.missingChanges(for: VersionVector(), limit: 100))
        #expect(genuine.applied == 5 && genuine.refused.isEmpty)
        #expect(try receiver.publicKey(of: newcomer) == stranger.publicKey)
        #expect(try receiver.verify().isValid)
    }
}
