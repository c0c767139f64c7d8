import Crypto

/// SHA-256 of a change's canonical encoding (layout in `sync-fixtures/README.md`).
public struct ChangeHash: Hashable, Sendable, CustomStringConvertible {
    /// Exactly 32 bytes.
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    public init?(hex: String) {
        guard hex.utf8.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.bytes = bytes
    }

    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }
}

/// Computes chain hashes, reusing one buffer so that hashing a large import costs no allocation
/// per change.
public struct ChangeHasher {
    private var buffer: [UInt8] = []

    public init() { buffer.reserveCapacity(256) }

    /// The hash of `change`, whose `previousHash` must already be set.
    public mutating func hash(_ change: Change) -> ChangeHash {
        buffer.removeAll(keepingCapacity: true)
        CanonicalEncoding.append(change, to: &buffer)
        let digest = buffer.withUnsafeBytes { SHA256.hash(data: $0) }
        return ChangeHash(bytes: Array(digest))!
    }
}
