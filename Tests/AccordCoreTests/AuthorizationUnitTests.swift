import AccordCore
import Testing

/// One cell of the authorisation matrix: who writes, whose record of which kind, and the rule
/// that must refuse it (nil: allowed).
struct AuthorizationCase: Sendable, CustomTestStringConvertible {
    let office: String
    let role: ReplicaRole
    let kind: RecordKind
    let owner: String
    let refusedBy: String?

    var testDescription: String {
        "\(office) \(role.rawValue) writing \(kind.rawValue) of \(owner): \(refusedBy ?? "allowed")"
    }
}

/// The brief's rules, spelled out for office, secretariat and auditor × own and other records ×
/// each kind: an office writes only what it owns; the secretariat writes activities and training
/// variants of any owner but never an ALERT entry; auditors write nothing.
let authorizationMatrix: [AuthorizationCase] = {
    var cases: [AuthorizationCase] = []
    for kind in RecordKind.allCases {
        // An office: its own records of every kind; nobody else's (another office's or WIPO's).
        // Never the replica registry, which only the secretariat keeps.
        let registry = kind == .replica
        cases.append(.init(office: "KE", role: .office, kind: kind, owner: "KE", refusedBy: registry ? "registry-secretariat-only" : nil))
        cases.append(.init(office: "KE", role: .office, kind: kind, owner: "UG", refusedBy: registry ? "registry-secretariat-only" : "owner-only"))
        cases.append(.init(office: "KE", role: .office, kind: kind, owner: "WIPO", refusedBy: registry ? "registry-secretariat-only" : "owner-only"))
        // The secretariat: its own and any office's activities and variants, never an ALERT entry.
        let secretariatRule: String? = kind == .alertUpload ? "alert-contributor-only" : nil
        cases.append(.init(office: "WIPO", role: .secretariat, kind: kind, owner: "WIPO", refusedBy: secretariatRule))
        cases.append(.init(office: "WIPO", role: .secretariat, kind: kind, owner: "KE", refusedBy: secretariatRule))
        // Auditors: nothing, not even records of their own office.
        cases.append(.init(office: "KE", role: .auditor, kind: kind, owner: "KE", refusedBy: "auditor-read-only"))
        cases.append(.init(office: "KE", role: .auditor, kind: kind, owner: "UG", refusedBy: "auditor-read-only"))
        cases.append(.init(office: "WIPO", role: .auditor, kind: kind, owner: "WIPO", refusedBy: "auditor-read-only"))
        cases.append(.init(office: "WIPO", role: .auditor, kind: kind, owner: "KE", refusedBy: "auditor-read-only"))
    }
    return cases
}()

@Suite("Authorization matrix")
struct AuthorizationUnitTests {
    @Test(arguments: authorizationMatrix)
    func appliesTheRule(_ cell: AuthorizationCase) throws {
        let author = Author(office: try #require(OfficeCode(cell.office)), role: cell.role)
        let record = try #require(RecordID("\(cell.kind.idPrefix)-\(cell.owner)-abc123"))
        let refusal = Authorization.check(author: author, record: record)
        #expect(refusal?.rule == cell.refusedBy)
        if let refusal {
            // The message names the record so a user knows what was refused.
            #expect(refusal.message.contains(record.rawValue))
            #expect(refusal.description == refusal.message)
        }
    }

    @Test func theMatrixCoversEveryRoleAndKind() {
        for role in ReplicaRole.allCases {
            for kind in RecordKind.allCases {
                #expect(authorizationMatrix.contains { $0.role == role && $0.kind == kind }, "\(role) \(kind)")
            }
        }
    }

    /// Two offices listing the same site: each may touch only its own entry.
    @Test func anOfficeCannotTouchAnotherOfficesALERTEntryForTheSameSite() throws {
        let kenya = try #require(OfficeCode("KE"))
        let italy = try #require(OfficeCode("IT"))
        let domain = try DomainName.normalize("calcioitalia.video")
        let italianEntry = RecordID.alert(contributor: italy, normalizedDomain: domain)
        let kenyanEntry = RecordID.alert(contributor: kenya, normalizedDomain: domain)
        #expect(Authorization.check(author: Author(office: kenya, role: .office), record: italianEntry)?.rule == "owner-only")
        #expect(Authorization.check(author: Author(office: kenya, role: .office), record: kenyanEntry) == nil)
        #expect(Authorization.check(author: Author(office: italy, role: .office), record: italianEntry) == nil)
    }
}
