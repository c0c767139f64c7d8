import Crypto
import Foundation
import SwiftASN1
import X509

extension CertificateAuthority {
    /// How long a replica certificate lasts by default: 825 days, the longest lifetime TLS
    /// clients such as Apple's accept for a leaf, so the same certificate works everywhere.
    static let defaultLeafLifetime: TimeInterval = 825 * 24 * 60 * 60

    /// Issues a certificate for one replica, with a new P-256 key.
    ///
    /// The certificate has subject O=office, OU=role, CN=replica name; ExtendedKeyUsage
    /// serverAuth + clientAuth (every replica both serves and connects, over mutual TLS);
    /// KeyUsage digitalSignature (critical; all ECDHE-ECDSA needs); BasicConstraints not-a-CA;
    /// SubjectAlternativeNames dNSName "localhost", iPAddress 127.0.0.1 and `dnsNames`; a
    /// random 20-byte serial; subject and authority key identifiers.
    ///
    /// - Parameters:
    ///   - identity: validated with ``PeerIdentity/validate()`` before anything is signed.
    ///   - dnsNames: extra host names the replica serves under (e.g. the hub's name). IP
    ///     addresses are refused, because TLS clients match them only against IP entries.
    ///   - notBefore: defaults to an hour before `now`, to absorb clock skew.
    ///   - notAfter: defaults to 825 days after `now`. May be in the past (for tests of expiry).
    /// - Returns: the certificate and private key as PEM, never written anywhere.
    public func issue(
        identity: PeerIdentity,
        dnsNames: [String] = [],
        notBefore: Date? = nil,
        notAfter: Date? = nil,
        now: Date = Date()
    ) throws -> IssuedCertificate {
        try identity.validate()
        for name in dnsNames { try Self.validateDNSName(name) }
        let start = notBefore ?? now.addingTimeInterval(-Self.backdate)
        let end = notAfter ?? now.addingTimeInterval(Self.defaultLeafLifetime)
        guard start < end else {
            throw PKIError("certificate validity must start before it ends, got notBefore \(start) and notAfter \(end)")
        }

        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let subject = try DistinguishedName {
            OrganizationName(identity.office)
            OrganizationalUnitName(identity.role.rawValue)
            CommonName(identity.replicaName)
        }
        var alternativeNames: [GeneralName] = [.dnsName("localhost")]
        for name in dnsNames where !alternativeNames.contains(.dnsName(name)) {
            alternativeNames.append(.dnsName(name))
        }
        alternativeNames.append(.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])))
        let authorityKeyID = try certificate.extensions.subjectKeyIdentifier
            ?? SubjectKeyIdentifier(hash: certificate.publicKey)

        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.serverAuth, .clientAuth])
            SubjectAlternativeNames(alternativeNames)
            SubjectKeyIdentifier(hash: publicKey)
            AuthorityKeyIdentifier(keyIdentifier: authorityKeyID.keyIdentifier)
        }
        let leaf = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: publicKey,
            notValidBefore: start,
            notValidAfter: end,
            issuer: certificate.subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(privateKey)
        )
        return IssuedCertificate(
            certificatePEM: try leaf.serializeAsPEM().pemString,
            privateKeyPEM: key.pemRepresentation,
            certificate: leaf
        )
    }

    /// Issues a certificate (see ``issue(identity:dnsNames:notBefore:notAfter:now:)``) and writes
    /// `directory/<replicaName>.crt` (0644) and `directory/<replicaName>.key` (0600).
    ///
    /// Refuses to overwrite either file, and writes neither if one exists: a replica's
    /// certificate and key must stay a matching pair. The replica name must be 1–64 characters
    /// of `[A-Za-z0-9._-]`, not starting with ".", because it becomes the file name.
    public func issueFiles(
        in directory: URL,
        identity: PeerIdentity,
        dnsNames: [String] = [],
        now: Date = Date()
    ) throws -> (certificate: URL, key: URL) {
        try PeerIdentity.validateReplicaName(identity.replicaName)
        let certificateURL = directory.appendingPathComponent("\(identity.replicaName).crt")
        let keyURL = directory.appendingPathComponent("\(identity.replicaName).key")
        for url in [certificateURL, keyURL] where PKIFiles.exists(url) {
            throw PKIError(
                "\(url.path(percentEncoded: false)) already exists; refusing to overwrite it. To re-issue for "
                    + "\(identity.replicaName), move its .crt and .key aside first, or choose another replica name"
            )
        }
        let issued = try issue(identity: identity, dnsNames: dnsNames, now: now)
        try PKIFiles.createDirectory(directory)
        try PKIFiles.writeNew(issued.privateKeyPEM, to: keyURL, mode: 0o600)
        do {
            try PKIFiles.writeNew(issued.certificatePEM, to: certificateURL, mode: 0o644)
        } catch {
            PKIFiles.removeQuietly(keyURL)
            throw error
        }
        return (certificate: certificateURL, key: keyURL)
    }

    /// Host names only: 1–253 bytes of dot-separated labels, each 1–63 of `[A-Za-z0-9-]`, not
    /// starting or ending with "-", and a last label that is not all digits (that is an IP address).
    static func validateDNSName(_ name: String) throws(PKIError) {
        let allowed = "use a host name such as \"accord.example.org\": labels of letters, digits and '-', "
            + "separated by '.', 253 bytes at most"
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let labelsValid = labels.allSatisfy { label in
            (1...63).contains(label.utf8.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy { scalar in
                    switch scalar {
                    case "A"..."Z", "a"..."z", "0"..."9", "-": return true
                    default: return false
                    }
                }
        }
        guard !name.isEmpty, name.utf8.count <= 253, labelsValid else {
            throw PKIError("DNS name \(String(reflecting: name)) is not valid: \(allowed)")
        }
        if let last = labels.last, last.allSatisfy(\.isNumber) {
            throw PKIError(
                "DNS name \(String(reflecting: name)) looks like an IP address, but only host names can be added "
                    + "(127.0.0.1 is always included as an IP address): \(allowed)"
            )
        }
    }
}
