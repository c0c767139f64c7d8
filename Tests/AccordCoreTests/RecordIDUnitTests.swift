import AccordCore
import AccordTestSupport
import Testing

/// Record ids carry kind and owner (so authorisation needs no lookup) and are derived from
/// natural keys (so one entry written twice is one record). Replica ids and office codes are
/// the other identities every change carries.
@Suite("RecordID, ReplicaID, OfficeCode")
struct RecordIDUnitTests {
    @Test func parsesKindAndOwner() throws {
        let alert = try #require(RecordID("alert-KE-3j8f1q0c6w2m9t4b"))
        #expect(alert.kind == .alertUpload)
        #expect(alert.owner == OfficeCode("KE"))
        let activity = try #require(RecordID("act-WIPO-k2j4h5g6f7d8s9a0"))
        #expect(activity.kind == .activity)
        #expect(activity.owner.isSecretariat)
        #expect(RecordID("tv-CN-abc")?.kind == .trainingVariant)
    }

    @Test(arguments: [
        "", "alert", "alert-KE", "alert-KE-", "foo-KE-abc", "alert-XX-abc", "alert-ke-abc", "alert-KEN-abc",
        "alert-KE-ABC", "alert-KE-ab_c", "alert-KE-ab-c", "alert-KE-" + String(repeating: "a", count: 65), "act--abc",
    ])
    func refusesMalformedIDs(text: String) {
        #expect(RecordID(text) == nil)
    }

    @Test func derivedIDsAreDeterministicAndParseBack() throws {
        let office = try #require(OfficeCode("KE"))
        let first = RecordID.derived(kind: .activity, owner: office, key: ["Workshop", "2026-03-02", "Nairobi"])
        let again = RecordID.derived(kind: .activity, owner: office, key: ["Workshop", "2026-03-02", "Nairobi"])
        #expect(first == again)
        #expect(first.rawValue.hasPrefix("act-KE-"))
        #expect(RecordID(first.rawValue) == first)
    }

    /// The key parts are separated, so ("ab", "c") and ("a", "bc") are different records.
    @Test func derivedIDsDependOnEveryPartOfTheKey() throws {
        let office = try #require(OfficeCode("KE"))
        let base = RecordID.derived(kind: .activity, owner: office, key: ["ab", "c"])
        #expect(base != RecordID.derived(kind: .activity, owner: office, key: ["a", "bc"]))
        #expect(base != RecordID.derived(kind: .activity, owner: office, key: ["ab", "d"]))
        #expect(base != RecordID.derived(kind: .activity, owner: try #require(OfficeCode("UG")), key: ["ab", "c"]))
        #expect(base.rawValue.dropFirst(7) != RecordID.derived(kind: .trainingVariant, owner: office, key: ["ab", "c"]).rawValue.dropFirst(6))
    }

    /// Two laptops of one office listing the same site, one typing punycode, get one entry.
    @Test func alertIDsOfOneContributorAgreeAcrossSpellingsOfTheDomain() throws {
        let kenya = try #require(OfficeCode("KE"))
        let spellings = ["münchen.de", "xn--mnchen-3ya.de", "MÜNCHEN.DE", "https://München.de./path?q=1", "mu\u{0308}nchen.de"]
        let ids = try Set(spellings.map { RecordID.alert(contributor: kenya, normalizedDomain: try DomainName.normalize($0)) })
        #expect(ids.count == 1)
        #expect(ids.first?.rawValue.hasPrefix("alert-KE-") == true)
    }

    /// The same site listed by two offices is two entries, each owned by its contributor.
    @Test func alertIDsOfTwoContributorsDiffer() throws {
        let domain = try DomainName.normalize("example-stream.tv")
        let kenya = RecordID.alert(contributor: try #require(OfficeCode("KE")), normalizedDomain: domain)
        let italy = RecordID.alert(contributor: try #require(OfficeCode("IT")), normalizedDomain: domain)
        #expect(kenya != italy)
        #expect(kenya.owner.rawValue == "KE")
        #expect(italy.owner.rawValue == "IT")
    }

    @Test func randomIDsAreDistinctAndWellFormed() throws {
        let office = try #require(OfficeCode("JP"))
        let ids = (0..<200).map { _ in RecordID.random(kind: .trainingVariant, owner: office) }
        #expect(Set(ids).count == ids.count)
        for id in ids { #expect(RecordID(id.rawValue) == id) }
    }

    @Test func replicaIDsAreSixteenLowercaseHexDigits() {
        #expect(ReplicaID("0123456789abcdef") != nil)
        for bad in ["0123456789ABCDEF", "0123456789abcde", "0123456789abcdef0", "0123456789abcdeg", ""] {
            #expect(ReplicaID(bad) == nil, "\(bad)")
        }
        var generator = SeededRandom(seed: 1)
        let ids = (0..<100).map { _ in ReplicaID.random(using: &generator) }
        #expect(Set(ids).count == 100)
        #expect(ids.allSatisfy { ReplicaID($0.rawValue) == $0 })
    }

    /// Ties between equal clock stamps are broken by plain byte order of the replica id (for
    /// these fixed-width lowercase hex ids, the same as numeric order).
    @Test func replicaIDsCompareByteWise() throws {
        let ids = try ["a000000000000000", "00000000000000ff", "9fffffffffffffff", "0000000000000a00", "0000000000000100"].map { try #require(ReplicaID($0)) }
        #expect(ids.sorted().map(\.rawValue) == ["00000000000000ff", "0000000000000100", "0000000000000a00", "9fffffffffffffff", "a000000000000000"])
        #expect(ids.sorted().map(\.rawValue) == ids.map(\.rawValue).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    @Test func officeCodesAreAssignedISOCodesOrWIPO() {
        for good in ["KE", "CN", "GB", "WIPO"] { #expect(OfficeCode(good) != nil, "\(good)") }
        for bad in ["ke", "UK", "EU", "XX", "KEN", "wipo", "", "K"] { #expect(OfficeCode(bad) == nil, "\(bad)") }
        #expect(OfficeCode.secretariat.isSecretariat)
        #expect(OfficeCode("KE")?.isSecretariat == false)
    }
}
