import X509

/// A freshly issued replica certificate and its private key.
///
/// The PEM strings are what goes on disk and into TLS configuration; `certificate` is the
/// parsed form, handy for reading back the identity, fingerprint or validity without re-parsing.
/// The private key exists only here until written out: issuing does not store it anywhere.
public struct IssuedCertificate: Sendable {
    /// The certificate, PEM ("-----BEGIN CERTIFICATE-----").
    public var certificatePEM: String
    /// The P-256 private key, PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"). Keep it mode 0600.
    public var privateKeyPEM: String
    public var certificate: Certificate

    public init(certificatePEM: String, privateKeyPEM: String, certificate: Certificate) {
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
        self.certificate = certificate
    }
}
