import AccordSync
import Foundation
import Testing
import X509

/// The secretariat CA: create, load, issue, verify, and the errors operators will see.
@Suite("PKI")
struct PKITests {
    let kenya = PeerIdentity(office: "KE", role: .office, replicaName: "nairobi-laptop-1")

    // MARK: - Round trip

    @Test func createIssueAndLoadBack() async throws {
        try await withTemporaryDirectory { directory in
            let created = try CertificateAuthority.create(in: directory)
            let files = try created.issueFiles(in: directory, identity: kenya)
            #expect(files.certificate.lastPathComponent == "nairobi-laptop-1.crt")
            #expect(files.key.lastPathComponent == "nairobi-laptop-1.key")

            let loaded = try CertificateAuthority.load(from: directory)
            #expect(loaded.certificate == created.certificate)

            let leaf = try Certificate(pemEncoded: String(contentsOf: files.certificate, encoding: .utf8))
            #expect(try PeerIdentity(certificate: leaf) == kenya)
            #expect(try String(contentsOf: files.key, encoding: .utf8).hasPrefix("-----BEGIN PRIVATE KEY-----"))
            #expect(await verificationFailures(leaf, trusting: [loaded.certificate]) == nil)

            // A CA loaded from disk signs certificates that chain to the original.
            let later = try loaded.issue(identity: PeerIdentity(office: "WIPO", role: .secretariat, replicaName: "hub"))
            #expect(await verificationFailures(later.certificate, trusting: [created.certificate]) == nil)
        }
    }

    @Test func caCertificateHasTheSecretariatSubjectAndCAExtensions() async throws {
        try await withTemporaryDirectory { directory in
            let now = Date()
            let ca = try CertificateAuthority.create(in: directory, now: now).certificate
            #expect(ca.subject == ca.issuer)
            #expect(attributes(of: ca) == ["O": ["WIPO"], "OU": ["secretariat"], "CN": ["Accord CA"]])
            #expect(try ca.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: nil))
            let usage = try #require(try ca.extensions.keyUsage)
            #expect(usage.keyCertSign && usage.cRLSign && !usage.digitalSignature)
            let years = ca.notValidAfter.timeIntervalSince(now) / (365.25 * 24 * 60 * 60)
            #expect(years > 9.9 && years < 10.1)
            #expect(await verificationFailures(ca, trusting: [ca]) == nil)
        }
    }

    @Test func leafHasTLSExtensionsAndDefaultValidity() async throws {
        try await withTemporaryDirectory { directory in
            let now = Date()
            let ca = try CertificateAuthority.create(in: directory)
            let issued = try ca.issue(identity: kenya, dnsNames: ["hub.accord.example", "localhost"], now: now)
            let leaf = issued.certificate
            #expect(try Certificate(pemEncoded: issued.certificatePEM) == leaf)
            #expect(issued.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
            #expect(leaf.issuer == ca.certificate.subject)
            #expect(attributes(of: leaf) == ["O": ["KE"], "OU": ["office"], "CN": ["nairobi-laptop-1"]])

            let names = try #require(try leaf.extensions.subjectAlternativeNames)
            #expect(Array(names) == [
                .dnsName("localhost"), .dnsName("hub.accord.example"),
                .ipAddress(.init(contentBytes: [127, 0, 0, 1])),
            ])
            let extendedUsage = try #require(try leaf.extensions.extendedKeyUsage)
            #expect(extendedUsage.contains(.serverAuth) && extendedUsage.contains(.clientAuth))
            let usage = try #require(try leaf.extensions.keyUsage)
            #expect(usage.digitalSignature && !usage.keyCertSign)
            #expect(try leaf.extensions.basicConstraints == .notCertificateAuthority)

            // X.509 times have whole seconds, hence the tolerance.
            #expect(abs(leaf.notValidBefore.timeIntervalSince(now.addingTimeInterval(-3600))) < 1)
            #expect(abs(leaf.notValidAfter.timeIntervalSince(now.addingTimeInterval(825 * 86400))) < 1)

            let another = try ca.issue(identity: kenya, now: now).certificate
            #expect(another.serialNumber != leaf.serialNumber)
        }
    }

    @Test func keysAreOwnerOnlyAndNoTemporaryFilesRemain() async throws {
        try await withTemporaryDirectory { directory in
            let ca = try CertificateAuthority.create(in: directory.appendingPathComponent("nested/ca"))
            let files = try ca.issueFiles(in: directory.appendingPathComponent("replicas"), identity: kenya)
            #expect(try permissions(directory.appendingPathComponent("nested/ca/ca.key")) == 0o600)
            #expect(try permissions(files.key) == 0o600)
            #expect(try permissions(files.certificate) == 0o644)
            let manager = FileManager.default
            let caFiles = try manager.contentsOfDirectory(atPath: directory.appendingPathComponent("nested/ca").path)
            #expect(Set(caFiles) == ["ca.crt", "ca.key"])
            let replicaFiles = try manager.contentsOfDirectory(atPath: directory.appendingPathComponent("replicas").path)
            #expect(Set(replicaFiles) == ["nairobi-laptop-1.crt", "nairobi-laptop-1.key"])
        }
    }

    // MARK: - Verification

    @Test func certificateFromAnotherCADoesNotVerify() async throws {
        try await withTemporaryDirectory { directory in
            // Same subject as ours, different key: only the signature tells them apart.
            let ours = try CertificateAuthority.create(in: directory.appendingPathComponent("ours"))
            let theirs = try CertificateAuthority.create(in: directory.appendingPathComponent("theirs"))
            #expect(ours.certificate.subject == theirs.certificate.subject)

            let foreign = try theirs.issue(identity: kenya).certificate
            #expect(await verificationFailures(foreign, trusting: [ours.certificate]) != nil)
            #expect(await verificationFailures(foreign, trusting: [theirs.certificate]) == nil)
        }
    }

    @Test func expiredCertificateDoesNotVerify() async throws {
        try await withTemporaryDirectory { directory in
            let ca = try CertificateAuthority.create(in: directory)
            let now = Date()
            let expired = try ca.issue(
                identity: kenya,
                notBefore: now.addingTimeInterval(-10 * 86400),
                notAfter: now.addingTimeInterval(-86400),
                now: now
            ).certificate
            let failures = try #require(await verificationFailures(expired, trusting: [ca.certificate]))
            #expect(failures.contains { $0.contains("expired") })
        }
    }

    // MARK: - Refusing to overwrite

    @Test func createRefusesToOverwriteAnExistingCA() async throws {
        try await withTemporaryDirectory { directory in
            _ = try CertificateAuthority.create(in: directory)
            let keyURL = directory.appendingPathComponent("ca.key")
            let keyBefore = try Data(contentsOf: keyURL)

            let error = #expect(throws: PKIError.self) { try CertificateAuthority.create(in: directory) }
            #expect(error?.message.contains("ca.key already exists") == true)
            #expect(error?.message.contains("refusing to overwrite") == true)
            #expect(try Data(contentsOf: keyURL) == keyBefore)

            // A certificate left behind without its key is not silently replaced either.
            try FileManager.default.removeItem(at: keyURL)
            let orphan = #expect(throws: PKIError.self) { try CertificateAuthority.create(in: directory) }
            #expect(orphan?.message.contains("ca.crt already exists") == true)
        }
    }

    @Test func issueFilesRefusesToOverwriteAndWritesNeitherFile() async throws {
        try await withTemporaryDirectory { directory in
            let ca = try CertificateAuthority.create(in: directory)
            let files = try ca.issueFiles(in: directory, identity: kenya)
            let certificateBefore = try Data(contentsOf: files.certificate)

            let error = #expect(throws: PKIError.self) { try ca.issueFiles(in: directory, identity: kenya) }
            #expect(error?.message.contains("refusing to overwrite") == true)
            #expect(try Data(contentsOf: files.certificate) == certificateBefore)

            // Only the key is missing: the certificate still blocks, and no lone key appears.
            try FileManager.default.removeItem(at: files.key)
            #expect(throws: PKIError.self) { try ca.issueFiles(in: directory, identity: kenya) }
            #expect(!FileManager.default.fileExists(atPath: files.key.path))
        }
    }

    // MARK: - Validation messages

    @Test(arguments: ["ke", "KEN", "K", "", "Wipo", "K1", "KÉ"])
    func badOfficeCodesAreRefused(office: String) async throws {
        try await withTemporaryDirectory { directory in
            let ca = try CertificateAuthority.create(in: directory)
            let identity = PeerIdentity(office: office, role: .office, replicaName: "r1")
            let error = #expect(throws: PKIError.self) { try ca.issue(identity: identity) }
            #expect(error?.message.contains("two uppercase ASCII letters") == true)
            #expect(error?.message.contains("\"WIPO\"") == true)
        }
    }

    @Test func unassignedCountryCodesAreRefused() throws {
        // Well-formed but not a country: AccordCore's OfficeCode would refuse it on every sync.
        let error = #expect(throws: PKIError.self) {
            try PeerIdentity(office: "XX", role: .office, replicaName: "r1").validate()
        }
        #expect(error?.message.contains("not an assigned ISO 3166-1 alpha-2 country code") == true)
        try PeerIdentity(office: "UG", role: .auditor, replicaName: "r1").validate()
    }

    @Test func secretariatRoleRequiresWIPO() throws {
        let error = #expect(throws: PKIError.self) {
            try PeerIdentity(office: "KE", role: .secretariat, replicaName: "r1").validate()
        }
        #expect(error?.message.contains("requires office \"WIPO\"") == true)
        try PeerIdentity(office: "WIPO", role: .secretariat, replicaName: "hub").validate()
        try PeerIdentity(office: "WIPO", role: .auditor, replicaName: "audit-1").validate()
    }

    @Test(arguments: ["", ".hidden", "..", "a/b", "has space", "../etc", "café", String(repeating: "x", count: 65)])
    func badReplicaNamesAreRefused(name: String) async throws {
        try await withTemporaryDirectory { directory in
            let ca = try CertificateAuthority.create(in: directory)
            let identity = PeerIdentity(office: "KE", role: .office, replicaName: name)
            let error = #expect(throws: PKIError.self) { try ca.issueFiles(in: directory, identity: identity) }
            #expect(error?.message.contains("1–64 characters from A–Z, a–z, 0–9, '.', '_' and '-'") == true)
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)) == ["ca.crt", "ca.key"])
        }
    }

    @Test func replicaNameLimitsAreInclusive() throws {
        try PeerIdentity.validateReplicaName("a")
        try PeerIdentity.validateReplicaName(String(repeating: "x", count: 64))
        try PeerIdentity.validateReplicaName("Nairobi_laptop.1-b")
    }

    @Test func badDNSNamesAndValidityAreRefused() async throws {
        try await withTemporaryDirectory { directory in
            let ca = try CertificateAuthority.create(in: directory)
            let bad = #expect(throws: PKIError.self) { try ca.issue(identity: kenya, dnsNames: ["not a host"]) }
            #expect(bad?.message.contains("use a host name") == true)
            let ip = #expect(throws: PKIError.self) { try ca.issue(identity: kenya, dnsNames: ["10.0.0.5"]) }
            #expect(ip?.message.contains("looks like an IP address") == true)
            let now = Date()
            let backwards = #expect(throws: PKIError.self) {
                try ca.issue(identity: kenya, notBefore: now, notAfter: now.addingTimeInterval(-1))
            }
            #expect(backwards?.message.contains("must start before it ends") == true)
        }
    }

    // MARK: - Reading identities from foreign certificates

    @Test func unknownRoleAndMissingAttributesAreNamed() async throws {
        try await withTemporaryDirectory { directory in
            let ca = try CertificateAuthority.create(in: directory)
            let janitor = try selfSigned(using: ca) {
                OrganizationName("KE"); OrganizationalUnitName("janitor"); CommonName("mop-1")
            }
            let error = #expect(throws: PKIError.self) { try PeerIdentity(certificate: janitor) }
            #expect(error?.message.contains("OU \"janitor\", which is not a role") == true)
            #expect(error?.message.contains("office, secretariat, auditor") == true)

            let noRole = try selfSigned(using: ca) { OrganizationName("KE"); CommonName("r1") }
            let missing = #expect(throws: PKIError.self) { try PeerIdentity(certificate: noRole) }
            #expect(missing?.message.contains("has no organisational unit (OU)") == true)

            let twoOffices = try selfSigned(using: ca) {
                OrganizationName("KE"); OrganizationName("UG"); OrganizationalUnitName("office"); CommonName("r1")
            }
            let ambiguous = #expect(throws: PKIError.self) { try PeerIdentity(certificate: twoOffices) }
            #expect(ambiguous?.message.contains("expected exactly one") == true)

            let lowercase = try selfSigned(using: ca) {
                OrganizationName("ke"); OrganizationalUnitName("office"); CommonName("r1")
            }
            let invalid = #expect(throws: PKIError.self) { try PeerIdentity(certificate: lowercase) }
            #expect(invalid?.message.contains("two uppercase ASCII letters") == true)
        }
    }

    // MARK: - Loading errors

    @Test func loadNamesTheMissingOrBadFile() async throws {
        try await withTemporaryDirectory { directory in
            let empty = #expect(throws: PKIError.self) { try CertificateAuthority.load(from: directory) }
            #expect(empty?.message.contains("ca.crt does not exist") == true)

            _ = try CertificateAuthority.create(in: directory.appendingPathComponent("other"))
            _ = try CertificateAuthority.create(in: directory.appendingPathComponent("ca"))
            let caDirectory = directory.appendingPathComponent("ca")
            let keyURL = caDirectory.appendingPathComponent("ca.key")

            try FileManager.default.removeItem(at: keyURL)
            try "not a key".write(to: keyURL, atomically: true, encoding: .utf8)
            let garbage = #expect(throws: PKIError.self) { try CertificateAuthority.load(from: caDirectory) }
            #expect(garbage?.message.contains("ca.key is not a PEM P-256 private key") == true)

            try FileManager.default.removeItem(at: keyURL)
            try FileManager.default.copyItem(at: directory.appendingPathComponent("other/ca.key"), to: keyURL)
            let mismatch = #expect(throws: PKIError.self) { try CertificateAuthority.load(from: caDirectory) }
            #expect(mismatch?.message.contains("does not belong to") == true)

            try FileManager.default.removeItem(at: keyURL)
            let noKey = #expect(throws: PKIError.self) { try CertificateAuthority.load(from: caDirectory) }
            #expect(noKey?.message.contains("ca.key does not exist") == true)
        }
    }

    // MARK: - Fingerprint

    @Test func fingerprintIsLowercaseHexSHA256OfTheDER() throws {
        // Expected value from `openssl x509 -noout -fingerprint -sha256`, lowercased, colons removed.
        let certificate = try Certificate(pemEncoded: Self.fixtureCertificatePEM)
        #expect(certificate.sha256Fingerprint == Self.fixtureFingerprint)
        // The same fixture, made by OpenSSL, also shows PeerIdentity reading a subject we did not encode.
        #expect(try PeerIdentity(certificate: certificate) == PeerIdentity(office: "KE", role: .office, replicaName: "fixture-1"))
    }

    @Test func fingerprintsDifferPerCertificateAndSurviveARoundTrip() async throws {
        try await withTemporaryDirectory { directory in
            let ca = try CertificateAuthority.create(in: directory)
            let first = try ca.issue(identity: kenya).certificate
            let second = try ca.issue(identity: kenya).certificate
            #expect(first.sha256Fingerprint != second.sha256Fingerprint)
            #expect(try Certificate(pemEncoded: first.serializeAsPEM().pemString).sha256Fingerprint == first.sha256Fingerprint)
            #expect(first.sha256Fingerprint.count == 64)
            #expect(first.sha256Fingerprint.allSatisfy { "0123456789abcdef".contains($0) })
        }
    }
}

// MARK: - Helpers

extension PKITests {
    /// `nil` if `leaf` chains to one of `roots` under RFC 5280 at the current time, else the failure reasons.
    func verificationFailures(_ leaf: Certificate, trusting roots: [Certificate]) async -> [String]? {
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) { RFC5280Policy() }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore()) {
        case .validCertificate:
            return nil
        case .couldNotValidate(let failures):
            return failures.map { String(describing: $0.policyFailureReason) }
        }
    }

    func withTemporaryDirectory(_ body: (URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("accord-pki-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory)
    }

    func permissions(_ url: URL) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        return try #require(attributes[.posixPermissions] as? Int)
    }

    /// Subject attributes by short name, e.g. ["O": ["KE"], "OU": ["office"], "CN": ["r1"]].
    func attributes(of certificate: Certificate) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for attribute in certificate.subject.flatMap({ $0 }) {
            let name: String
            switch attribute.type {
            case .RDNAttributeType.organizationName: name = "O"
            case .RDNAttributeType.organizationalUnitName: name = "OU"
            case .RDNAttributeType.commonName: name = "CN"
            default: name = "\(attribute.type)"
            }
            result[name, default: []].append(String(attribute.value) ?? "?")
        }
        return result
    }

    /// A self-signed certificate with an arbitrary subject, for identities our CA would refuse to issue.
    func selfSigned(
        using ca: CertificateAuthority,
        @DistinguishedNameBuilder subject: () throws -> Result<DistinguishedName, any Error>
    ) throws -> Certificate {
        // Borrow a fresh P-256 key from the CA so the tests need only the public API and X509.
        let key = try Certificate.PrivateKey(pemEncoded: ca.issue(identity: kenya).privateKeyPEM)
        let name = try DistinguishedName(builder: subject)
        return try Certificate(
            version: .v3, serialNumber: .init(), publicKey: key.publicKey,
            notValidBefore: Date(), notValidAfter: Date().addingTimeInterval(3600),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: Certificate.Extensions(), issuerPrivateKey: key
        )
    }
}

// MARK: - Fixture

extension PKITests {
    /// Self-signed P-256 certificate made with `openssl req -x509 -subj "/O=KE/OU=office/CN=fixture-1"`.
    static let fixtureCertificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIBuTCCAV+gAwIBAgIUPZxs2FHr+Q8l4y6d5QFrkL8lFMwwCgYIKoZIzj0EAwIw
        MjELMAkGA1UECgwCS0UxDzANBgNVBAsMBm9mZmljZTESMBAGA1UEAwwJZml4dHVy
        ZS0xMB4XDTI2MTEyNTA4MTcwMFoXDTM2MTEyMjA4MTcwMFowMjELMAkGA1UECgwC
        S0UxDzANBgNVBAsMBm9mZmljZTESMBAGA1UEAwwJZml4dHVyZS0xMFkwEwYHKoZI
        zj0CAQYIKoZIzj0DAQcDQgAEFIO9vzWHOZ9kjRZDA3f44V5jMkUUPyhDZToC8L7s
        qkHtXk0xBUK5IKmnX2M4zXcPTzijWD471xXZsXa1GBM1TKNTMFEwHQYDVR0OBBYE
        FMg5Kkd7r+Vpbz3gwO2bDZwyHqyuMB8GA1UdIwQYMBaAFMg5Kkd7r+Vpbz3gwO2b
        DZwyHqyuMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhAMVz7SFe
        4KMFugp4nKwhXCEfw0Ip6UQwm11WdVmAgb/hAiA9XMFandn2A68qvDppTeGH9ZyB
        6/VWN/n1sRod7E+SKA==
        -----END CERTIFICATE-----
        """
    static let fixtureFingerprint = "29e7f7b60a3ffb1d6cef51fde9293a41cded70a454761878d643bf6a2314084b"
}
