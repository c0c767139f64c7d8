/// What a replica's log says about *when* it received each run, folded into one value.
///
/// A run's content is protected by its author's hash chain and signature, but the time this
/// replica stored it (`received`, which `--as-of` replays against) is local bookkeeping that no
/// author signs. The digest is the sum, modulo 2²⁵⁶, of the SHA-256 of every stored run's
/// receipt — author, first and last sequence number, received time — so it can be extended one
/// run at a time in any order and recomputed by `verify` in one pass over the log. A `received`
/// time edited, or a run added or removed behind Accord's back, no longer adds up.
///
/// It detects tampering by anyone who does not recompute it; it proves nothing against someone
/// who rewrites the file knowingly (a local fact can be no more trustworthy than the file).
public struct ReceiptDigest: Hashable, Sendable, CustomStringConvertible {
    /// Four big-endian 64-bit words, most significant first.
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    public init() {}

    private static let tag = Array("accord-receipt-1".utf8)

    /// Parses the 64 hex digits `hex` gives.
    public init?(hex: String) {
        guard let bytes = Hex.bytes(hex), bytes.count == 32 else { return nil }
        func word(_ index: Int) -> UInt64 { bytes[index * 8 ..< index * 8 + 8].reduce(0) { $0 << 8 | UInt64($1) } }
        words = (word(0), word(1), word(2), word(3))
    }

    public static func == (a: ReceiptDigest, b: ReceiptDigest) -> Bool { a.words == b.words }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.3)
    }

    /// Adds the receipt of one stored run.
    public mutating func add(author: ReplicaID, firstSeq: UInt64, lastSeq: UInt64, received: Int64) {
        // One per stored run, on the write path: built in one allocation of its final size.
        var input: [UInt8] = []
        input.reserveCapacity(Self.tag.count + 16 + 24)
        input.append(contentsOf: Self.tag)
        author.appendDigits(to: &input)
        withUnsafeBytes(of: (firstSeq.bigEndian, lastSeq.bigEndian, UInt64(bitPattern: received).bigEndian)) { input.append(contentsOf: $0) }
        let digest = SystemSHA256.hash(input)
        let addend = (UInt64(bigEndian: digest.0), UInt64(bigEndian: digest.1), UInt64(bigEndian: digest.2), UInt64(bigEndian: digest.3))
        var carry: UInt64 = 0
        func addWord(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let (partial, overflow1) = a.addingReportingOverflow(b)
            let (sum, overflow2) = partial.addingReportingOverflow(carry)
            carry = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
            return sum
        }
        words.3 = addWord(words.3, addend.3)
        words.2 = addWord(words.2, addend.2)
        words.1 = addWord(words.1, addend.1)
        words.0 = addWord(words.0, addend.0)
    }

    public var hex: String {
        var bytes: [UInt8] = []
        for word in [words.0, words.1, words.2, words.3] { withUnsafeBytes(of: word.bigEndian) { bytes.append(contentsOf: $0) } }
        return Hex.string(bytes)
    }

    public var description: String { hex }
}
