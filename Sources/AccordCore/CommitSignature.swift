import Crypto

/// An Ed25519 signature by a replica over one point of its own hash chain: "my change `seq` has
/// chain hash `hash`". Because every change carries the hash of its predecessor, one signature
/// vouches for the author's whole history up to `seq` — a commit signs its last change (and,
/// in long commits, a checkpoint every `CommitSignature.checkpointInterval` changes, so that
/// bounded sync batches can end on a signed change).
///
/// The signed message (`schemas/canonical-change.md`, "Commit signatures") is
///
///     "accord-commit-v1" (16 ASCII bytes)  str author replica id  u64 seq  32 B chain hash
///
/// with the same `str` and `u64` encodings as a change's canonical form.
public struct CommitSignature: Sendable, Hashable {
    public var author: ReplicaID
    public var seq: UInt64
    /// 64 bytes.
    public var bytes: [UInt8]

    public init(author: ReplicaID, seq: UInt64, bytes: [UInt8]) {
        self.author = author
        self.seq = seq
        self.bytes = bytes
    }

    /// Changes between two signatures of one commit: a sync batch (5,000 changes) always holds
    /// a signed change, and verifying a replica costs one signature check per 1,000 changes.
    public static let checkpointInterval = 1_000

    static let domain = Array("accord-commit-v1".utf8)

    /// The bytes that are signed.
    public static func message(author: ReplicaID, seq: UInt64, hash: ChangeHash) -> [UInt8] {
        var out = domain
        out.reserveCapacity(domain.count + 4 + 16 + 8 + 32)
        CanonicalEncoding.appendString(author.rawValue, to: &out)
        CanonicalEncoding.appendUInt64(seq, to: &out)
        hash.append(to: &out)
        return out
    }

    /// True when this signature is `key`'s over the author's change `seq` having chain hash `hash`.
    public func verifies(hash: ChangeHash, key: ReplicaPublicKey) -> Bool {
        key.key.isValidSignature(bytes, for: Self.message(author: author, seq: seq, hash: hash))
    }
}

/// A replica's Ed25519 public key (32 bytes).
public struct ReplicaPublicKey: Sendable, Hashable, CustomStringConvertible {
    let key: Curve25519.Signing.PublicKey
    public let bytes: [UInt8]

    /// Nil unless `bytes` is a valid 32-byte Ed25519 public key.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes) else { return nil }
        self.key = key
        self.bytes = bytes
    }

    public init?(hex: String) {
        guard let bytes = Hex.bytes(hex) else { return nil }
        self.init(bytes: bytes)
    }

    public var hex: String { Hex.string(bytes) }
    public var description: String { hex }

    public static func == (a: ReplicaPublicKey, b: ReplicaPublicKey) -> Bool { a.bytes == b.bytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
}

/// A replica's Ed25519 signing key. `accord init` creates one and keeps it in a file beside the
/// database (`ReplicaKeyFile`), never in the database itself: nothing that syncs carries it.
public struct ReplicaSigningKey: Sendable {
    let key: Curve25519.Signing.PrivateKey

    /// A fresh random key.
    public init() { key = Curve25519.Signing.PrivateKey() }

    /// From its 32-byte seed (RFC 8032 private key).
    public init?(seed: [UInt8]) {
        guard seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else { return nil }
        self.key = key
    }

    /// The 32-byte seed, for the key file.
    public var seed: [UInt8] { Array(key.rawRepresentation) }

    public var publicKey: ReplicaPublicKey { ReplicaPublicKey(bytes: Array(key.publicKey.rawRepresentation))! }

    /// Signs `author`'s change `seq` with chain hash `hash`.
    public func sign(author: ReplicaID, seq: UInt64, hash: ChangeHash) throws -> CommitSignature {
        let signature = try key.signature(for: CommitSignature.message(author: author, seq: seq, hash: hash))
        return CommitSignature(author: author, seq: seq, bytes: Array(signature))
    }
}
