
/// SHA-256 of a change's canonical encoding (layout in `schemas/canonical-change.md`).
public struct ChangeHash: Hashable, Sendable, CustomStringConvertible {
    /// The 32 bytes as four big-endian words: held inline, so hashing a large import allocates
    /// nothing per change.
    private let words: (UInt64, UInt64, UInt64, UInt64)

    /// Exactly 32 bytes.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32)
        append(to: &out)
        return out
    }

    /// Appends the 32 bytes to `out` without an intermediate array.
    public func append(to out: inout [UInt8]) {
        for word in [words.0, words.1, words.2, words.3] {
            withUnsafeBytes(of: word.bigEndian) { out.append(contentsOf: $0) }
        }
    }

    /// Calls `body` with the 32 bytes, held on the stack.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(of: (words.0.bigEndian, words.1.bigEndian, words.2.bigEndian, words.3.bigEndian), body)
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self = bytes.withUnsafeBytes { ChangeHash(raw: $0) }
    }

    /// From 32 bytes in memory (a digest).
    init(raw: UnsafeRawBufferPointer) {
        func word(_ index: Int) -> UInt64 { UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)) }
        words = (word(0), word(1), word(2), word(3))
    }

    public static func == (a: ChangeHash, b: ChangeHash) -> Bool { a.words == b.words }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
    }

    public init?(hex: String) {
        guard hex.utf8.count == 64, let bytes = Hex.bytes(hex) else { return nil }
        self.init(bytes: bytes)
    }

    public var hex: String { Hex.string(bytes) }

    public var description: String { hex }
}

/// Computes chain hashes, writing each change's canonical encoding into one reused buffer, so
/// that hashing a large import allocates nothing per change.
public struct ChangeHasher {
    private var buffer: [UInt8] = []
    /// The digits of the last author hashed: the changes of a run share them.
    private var author = ReplicaID(value: 0)
    private var authorDigits = ReplicaID(value: 0).digitWords

    public init() { buffer = [UInt8](repeating: 0, count: 512) }

    /// The hash of `change`, whose `previousHash` must already be set.
    public mutating func hash(_ change: Change) -> ChangeHash {
        hash(author: change.author, seq: change.seq, hlc: change.hlc, record: change.record, field: change.field,
             element: change.element, value: change.value, previousHash: change.previousHash)
    }

    /// The hash of the change with these parts.
    public mutating func hash(author: ReplicaID, seq: UInt64, hlc: HLC, record: RecordID, field: String, element: String?,
                              value: FieldValue, previousHash: ChangeHash?) -> ChangeHash {
        let count = CanonicalEncoding.count(record: record, field: field, element: element, value: value)
        if buffer.count < count { buffer = [UInt8](repeating: 0, count: count * 2) }
        if author != self.author {
            self.author = author
            authorDigits = author.digitWords
        }
        let digits = authorDigits
        let digest = buffer.withUnsafeMutableBytes { raw in
            CanonicalEncoding.write(authorDigits: digits, seq: seq, hlc: hlc, record: record, field: field, element: element,
                                    value: value, previousHash: previousHash, to: raw.baseAddress!)
            return SystemSHA256.hash(UnsafeRawBufferPointer(start: raw.baseAddress, count: count))
        }
        return withUnsafeBytes(of: digest) { ChangeHash(raw: $0) }
    }
}
