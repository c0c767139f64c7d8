import AccordCore
import Crypto
import Foundation
import SwiftASN1
import X509

/// A certificate authority kept in a directory: `D/ca.crt` (PEM) and `D/ca.key` (PEM, mode 0600).
///
/// The secretariat runs one CA; every replica trusts `ca.crt` and presents a leaf issued by it,
/// so a TLS peer is authenticated by the chain and identified by its subject (``PeerIdentity``).
/// Issuing certificates is in `CertificateAuthority+Issue.swift`.
///
/// The value holds the CA private key in memory; it is `Sendable` so one loaded CA can serve
/// concurrent requests, but it should not outlive the command or service that needs it.
public struct CertificateAuthority: Sendable {
    public let certificate: Certificate
    let privateKey: P256.Signing.PrivateKey

    static let certificateFileName = "ca.crt"
    static let keyFileName = "ca.key"
    /// About ten years: long enough to outlive any office's hardware, short enough to force a re-key eventually.
    static let lifetime: TimeInterval = 3653 * 24 * 60 * 60
    /// Backdating absorbs clock skew between the CA and the replicas that verify against it.
    static let backdate: TimeInterval = 60 * 60

    init(certificate: Certificate, privateKey: P256.Signing.PrivateKey) {
        self.certificate = certificate
        self.privateKey = privateKey
    }

    /// Creates `directory` (if needed) and a new CA there: a self-signed P-256 certificate with
    /// subject O=WIPO, OU=secretariat, CN=`commonName`, BasicConstraints CA (critical),
    /// KeyUsage keyCertSign + cRLSign (critical), valid from an hour before `now` for about ten years.
    ///
    /// Refuses to replace an existing `ca.key` or `ca.crt`: a new CA key would silently stop every
    /// certificate issued so far from verifying.
    public static func create(
        in directory: URL,
        commonName: String = "Accord CA",
        now: Date = Date()
    ) throws -> CertificateAuthority {
        let keyURL = directory.appendingPathComponent(keyFileName)
        let certificateURL = directory.appendingPathComponent(certificateFileName)
        if PKIFiles.exists(keyURL) {
            throw PKIError(
                "\(keyURL.path(percentEncoded: false)) already exists; refusing to overwrite a CA key, because every "
                    + "certificate it issued would stop verifying. Load the existing CA instead, or to start a new CA "
                    + "choose another directory (or move ca.key and ca.crt aside)"
            )
        }
        if PKIFiles.exists(certificateURL) {
            throw PKIError(
                "\(certificateURL.path(percentEncoded: false)) already exists without a ca.key; refusing to overwrite "
                    + "it. If it is left over from an old CA, move it aside; if ca.key was lost, restore it from a backup"
            )
        }
        guard !commonName.isEmpty, commonName.utf8.count <= 64 else {
            throw PKIError("CA common name must be 1–64 bytes (X.520 limit), got \(String(reflecting: commonName))")
        }

        let key = P256.Signing.PrivateKey()
        let signingKey = Certificate.PrivateKey(key)
        let name = try DistinguishedName {
            OrganizationName("WIPO")
            OrganizationalUnitName(ReplicaRole.secretariat.rawValue)
            CommonName(commonName)
        }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: signingKey.publicKey)
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: signingKey.publicKey,
            notValidBefore: now.addingTimeInterval(-backdate),
            notValidAfter: now.addingTimeInterval(lifetime),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: signingKey
        )

        try PKIFiles.createDirectory(directory)
        // Key first: if the certificate then fails to write, remove the key so a retry starts clean.
        try PKIFiles.writeNew(key.pemRepresentation, to: keyURL, mode: 0o600)
        do {
            try PKIFiles.writeNew(certificate.serializeAsPEM().pemString, to: certificateURL, mode: 0o644)
        } catch {
            PKIFiles.removeQuietly(keyURL)
            throw error
        }
        return CertificateAuthority(certificate: certificate, privateKey: key)
    }

    /// Loads `directory/ca.crt` and `directory/ca.key`, checking that the key belongs to the
    /// certificate and that the certificate is a CA. Errors name the missing or bad file.
    public static func load(from directory: URL) throws -> CertificateAuthority {
        let certificateURL = directory.appendingPathComponent(certificateFileName)
        let keyURL = directory.appendingPathComponent(keyFileName)
        let certificatePath = certificateURL.path(percentEncoded: false)
        let keyPath = keyURL.path(percentEncoded: false)
        let missing = "point at the directory that holds the CA, or create a CA there first"

        let certificatePEM = try PKIFiles.readText(certificateURL, what: "CA certificate", ifMissing: missing)
        let certificate: Certificate
        do {
            certificate = try Certificate(pemEncoded: certificatePEM)
        } catch {
            throw PKIError("CA certificate \(certificatePath) is not a PEM certificate (\(error)); restore it from a backup")
        }

        let keyPEM = try PKIFiles.readText(keyURL, what: "CA private key", ifMissing: missing)
        let key: P256.Signing.PrivateKey
        do {
            key = try P256.Signing.PrivateKey(pemRepresentation: keyPEM)
        } catch {
            throw PKIError("CA private key \(keyPath) is not a PEM P-256 private key (\(error)); restore it from a backup")
        }

        guard certificate.publicKey == Certificate.PublicKey(key.publicKey) else {
            throw PKIError(
                "CA private key \(keyPath) does not belong to CA certificate \(certificatePath); "
                    + "they must come from the same CA, so restore the matching pair"
            )
        }
        guard case .isCertificateAuthority = try? certificate.extensions.basicConstraints else {
            throw PKIError(
                "\(certificatePath) is not a CA certificate (no BasicConstraints CA extension); "
                    + "it may be a replica certificate copied over it"
            )
        }
        return CertificateAuthority(certificate: certificate, privateKey: key)
    }
}
