import AccordCore
import SwiftASN1
import X509

/// Who a certificate says its holder is.
///
/// The role is AccordCore's ``ReplicaRole`` (its raw values are the OU strings), so the identity
/// read from a certificate feeds authorisation directly.
///
/// The three fields map one-to-one onto the certificate subject: organisation (O) = office code,
/// organisational unit (OU) = role, common name (CN) = replica name. Keeping identity in the
/// subject (rather than a custom extension) means stock tools such as `openssl x509 -subject`
/// show it, and the TLS layer can authorise a peer from the verified chain alone.
///
/// The memberwise initialiser does not validate, so a value can be built up field by field;
/// ``validate()`` checks the rules, and both ``CertificateAuthority/issue(identity:dnsNames:notBefore:notAfter:now:)``
/// and ``init(certificate:)`` apply it, so an invalid identity never gets into or out of a certificate.
public struct PeerIdentity: Sendable, Hashable {
    /// Office code: two uppercase ASCII letters (ISO 3166-1 alpha-2, e.g. "KE"), or "WIPO".
    public var office: String
    public var role: ReplicaRole
    /// Replica name, e.g. "nairobi-laptop-1"; also used as a file name, hence the strict character set.
    public var replicaName: String

    public init(office: String, role: ReplicaRole, replicaName: String) {
        self.office = office
        self.role = role
        self.replicaName = replicaName
    }

    /// Reads O / OU / CN from a certificate's subject and validates them.
    ///
    /// Each attribute must appear exactly once: a subject with two OUs has no single answer to
    /// "what role is this?", and guessing would be an authorisation bug.
    ///
    /// This only reads the subject; it does not check the signature or validity dates. Verify
    /// the chain first (for example with X509's `Verifier`, or during the TLS handshake).
    public init(certificate: Certificate) throws(PKIError) {
        let subject = certificate.subject
        let office = try Self.singleText(
            .RDNAttributeType.organizationName,
            label: "organisation (O), the office code such as \"KE\" or \"WIPO\"",
            in: subject
        )
        let roleText = try Self.singleText(
            .RDNAttributeType.organizationalUnitName,
            label: "organisational unit (OU), the role",
            in: subject
        )
        let replicaName = try Self.singleText(
            .RDNAttributeType.commonName,
            label: "common name (CN), the replica name",
            in: subject
        )
        guard let role = ReplicaRole(rawValue: roleText) else {
            throw PKIError(
                "certificate subject \(subject) has OU \(String(reflecting: roleText)), which is not a role; "
                    + "the OU must be one of: \(Self.roleList)"
            )
        }
        self.init(office: office, role: role, replicaName: replicaName)
        do {
            try validate()
        } catch {
            throw PKIError("certificate subject \(subject) is not a valid Accord identity: \(error.message)")
        }
    }

    /// Checks the office code, the role/office pairing and the replica name.
    public func validate() throws(PKIError) {
        try Self.validateOffice(office)
        if role == .secretariat && office != "WIPO" {
            throw PKIError(
                "role secretariat requires office \"WIPO\", but the office is \(String(reflecting: office)); "
                    + "national offices use role office or auditor"
            )
        }
        try Self.validateReplicaName(replicaName)
    }

    /// Office codes are exactly two uppercase ASCII letters (ISO 3166-1 alpha-2) or "WIPO".
    ///
    /// The two letters must also be an assigned country code, because AccordCore's ``OfficeCode``
    /// accepts only those: a certificate for "XX" would be issued fine and then refused on every sync.
    public static func validateOffice(_ office: String) throws(PKIError) {
        let bytes = Array(office.utf8)
        let isAlpha2 = bytes.count == 2 && bytes.allSatisfy { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
        guard isAlpha2 || office == "WIPO" else {
            throw PKIError(
                "office code \(String(reflecting: office)) is not valid: use exactly two uppercase ASCII letters "
                    + "(an ISO 3166-1 alpha-2 code such as \"KE\"), or \"WIPO\" for the secretariat"
            )
        }
        guard OfficeCode(office) != nil else {
            throw PKIError(
                "office code \(String(reflecting: office)) is not an assigned ISO 3166-1 alpha-2 country code: "
                    + "use the office's country code (such as \"KE\"), or \"WIPO\" for the secretariat"
            )
        }
    }

    /// Replica names are 1–64 characters of `[A-Za-z0-9._-]`, not starting with ".".
    ///
    /// The name becomes `<name>.crt` / `<name>.key` on disk, so the rule excludes path
    /// separators, hidden files, "." and "..", and anything a shell would need quoted.
    public static func validateReplicaName(_ name: String) throws(PKIError) {
        let allowed = "use 1–64 characters from A–Z, a–z, 0–9, '.', '_' and '-', not starting with '.' "
            + "(for example \"nairobi-laptop-1\")"
        let problem: String?
        if name.isEmpty {
            problem = "it is empty"
        } else if name.utf8.count > 64 {
            problem = "it is \(name.utf8.count) bytes long"
        } else if name.hasPrefix(".") {
            problem = "it starts with '.'"
        } else if let bad = name.unicodeScalars.first(where: { !isReplicaNameScalar($0) }) {
            problem = "it contains \(String(reflecting: String(bad)))"
        } else {
            problem = nil
        }
        if let problem {
            throw PKIError("replica name \(String(reflecting: name)) is not valid (\(problem)): \(allowed)")
        }
    }

    private static func isReplicaNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", ".", "_", "-": return true
        default: return false
        }
    }

    private static var roleList: String {
        ReplicaRole.allCases.map(\.rawValue).joined(separator: ", ")
    }

    /// The text of the one attribute of `type` in `subject`, or an error naming what is wrong.
    private static func singleText(
        _ type: ASN1ObjectIdentifier,
        label: String,
        in subject: DistinguishedName
    ) throws(PKIError) -> String {
        let values = subject.flatMap { rdn in rdn.filter { $0.type == type }.map(\.value) }
        guard let value = values.first else {
            throw PKIError("certificate subject \(subject) has no \(label); re-issue it from the Accord CA")
        }
        guard values.count == 1 else {
            throw PKIError(
                "certificate subject \(subject) has \(values.count) values for \(label); expected exactly one"
            )
        }
        guard let text = String(value) else {
            throw PKIError("certificate subject \(subject) has a \(label) that is not a text string")
        }
        return text
    }
}

extension PeerIdentity: CustomStringConvertible {
    /// `O=KE, OU=office, CN=nairobi-laptop-1`: the attribute names a certificate subject uses, for logs.
    public var description: String {
        "O=\(office), OU=\(role.rawValue), CN=\(replicaName)"
    }
}
