import Foundation
import NIOSSL
import X509

/// A replica's side of mutual TLS: its certificate and key, and the secretariat's CA that every
/// peer must chain to. Both the server and the client use the same three files, because every
/// replica both serves and connects.
public struct TLSCredentials: Sendable {
    /// The replica's own certificate, parsed (identity, validity, fingerprint).
    public let certificate: Certificate
    /// Who the certificate says this replica is.
    public let identity: PeerIdentity
    let certificateChain: [NIOSSLCertificate]
    let privateKey: NIOSSLPrivateKey
    let trustRoots: [NIOSSLCertificate]

    /// Loads PEM files, with errors that name the file at fault and what to do about it.
    public init(certificateFile: String, keyFile: String, caFile: String) throws {
        let certificatePEM = try Self.read(certificateFile, what: "certificate (--cert)")
        let keyPEM = try Self.read(keyFile, what: "private key (--key)")
        let caPEM = try Self.read(caFile, what: "CA certificate (--ca)")
        try self.init(certificatePEM: certificatePEM, keyPEM: keyPEM, caPEM: caPEM,
                      names: (certificateFile, keyFile, caFile))
    }

    /// Builds credentials from PEM text already in memory (tests, the demo).
    public init(certificatePEM: String, keyPEM: String, caPEM: String) throws {
        try self.init(certificatePEM: certificatePEM, keyPEM: keyPEM, caPEM: caPEM,
                      names: ("the certificate", "the private key", "the CA certificate"))
    }

    private init(certificatePEM: String, keyPEM: String, caPEM: String, names: (String, String, String)) throws {
        do {
            certificate = try Certificate(pemEncoded: certificatePEM)
            certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8))
        } catch {
            throw PKIError("\(names.0) is not a PEM certificate (\(error)); use the .crt that `accord pki issue` wrote")
        }
        do {
            privateKey = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
        } catch {
            throw PKIError("\(names.1) is not a PEM private key (\(error)); use the .key that `accord pki issue` wrote")
        }
        do {
            trustRoots = try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8))
            _ = try Certificate(pemEncoded: caPEM)
        } catch {
            throw PKIError("\(names.2) is not a PEM certificate (\(error)); use the secretariat's ca.crt")
        }
        guard !certificateChain.isEmpty, !trustRoots.isEmpty else {
            throw PKIError("\(certificateChain.isEmpty ? names.0 : names.2) holds no certificate")
        }
        do {
            identity = try PeerIdentity(certificate: certificate)
        } catch {
            throw PKIError("\(names.0): \(error.message)")
        }
    }

    /// The server side: TLS 1.3 only, a client certificate chaining to the CA required.
    public func serverConfiguration() -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfigurationWithMTLS(
            certificateChain: certificateChain.map { .certificate($0) },
            privateKey: .privateKey(privateKey),
            trustRoots: .certificates(trustRoots))
        configuration.minimumTLSVersion = .tlsv13
        configuration.certificateVerification = .noHostnameVerification
        return configuration
    }

    /// The client side: TLS 1.3 only, presenting this replica's certificate, trusting only the CA.
    ///
    /// - Parameter verifyHostname: true for a hub reached by its DNS name (its certificate
    ///   lists it); false for a peer laptop on a LAN address, which no certificate can name —
    ///   it is still authenticated by the CA and identified by its subject.
    public func clientConfiguration(verifyHostname: Bool) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv13
        configuration.trustRoots = .certificates(trustRoots)
        configuration.certificateChain = certificateChain.map { .certificate($0) }
        configuration.privateKey = .privateKey(privateKey)
        configuration.certificateVerification = verifyHostname ? .fullVerification : .noHostnameVerification
        return configuration
    }

    static func read(_ path: String, what: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw PKIError("\(what) \(path) does not exist; `accord pki issue` writes NAME.crt and NAME.key, `accord pki init` writes ca.crt")
        }
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw PKIError("cannot read \(what) \(path): \(error.localizedDescription); check its permissions")
        }
    }
}
