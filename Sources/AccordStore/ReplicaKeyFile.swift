import AccordCore
import Foundation

/// The file that holds a replica's Ed25519 signing key: `<database>.key` beside the database,
/// mode 0600, a PKCS #8 PEM (`-----BEGIN PRIVATE KEY-----`, RFC 8410) that `openssl pkey` reads.
///
/// The key is deliberately not in the database: the database is what an office backs up,
/// copies and hands to auditors, and nothing in it may let someone else sign as this replica.
/// Lose the file and the replica can no longer write (it still reads, syncs in and verifies);
/// restore it from a backup, or create a new replica.
public enum ReplicaKeyFile {
    /// The RFC 8410 PKCS #8 prefix of an Ed25519 private key, before its 32-byte seed.
    static let pkcs8Prefix: [UInt8] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]

    /// Where the key of the replica at `databasePath` lives.
    public static func path(forDatabase databasePath: String) -> String { databasePath + ".key" }

    /// Writes a new key file; refuses to overwrite one.
    public static func write(_ key: ReplicaSigningKey, to path: String) throws {
        let base64 = Data(pkcs8Prefix + key.seed).base64EncodedString()
        let pem = "-----BEGIN PRIVATE KEY-----\n\(base64)\n-----END PRIVATE KEY-----\n"
        do { try SecretFiles.writeNew(pem, to: URL(fileURLWithPath: path), mode: 0o600) } catch {
            throw StoreError.signingKey(path: path, problem: error.message)
        }
    }

    /// Reads the key; nil if there is no file at `path`.
    public static func read(_ path: String) throws -> ReplicaSigningKey? {
        let url = URL(fileURLWithPath: path)
        guard SecretFiles.exists(url) else { return nil }
        let text: String
        do { text = try SecretFiles.readText(url, what: "signing key", ifMissing: "") } catch {
            throw StoreError.signingKey(path: path, problem: error.message)
        }
        let body = text.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
        guard text.contains("-----BEGIN PRIVATE KEY-----"), let der = Data(base64Encoded: body).map(Array.init),
              der.count == pkcs8Prefix.count + 32, der.starts(with: pkcs8Prefix),
              let key = ReplicaSigningKey(seed: Array(der.suffix(32))) else {
            throw StoreError.signingKey(path: path, problem: "it is not a PEM Ed25519 private key (PKCS #8); restore the file from a backup")
        }
        return key
    }
}
