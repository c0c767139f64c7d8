import CSHA256

/// SHA-256 through the system OpenSSL (`Sources/CSHA256`), for what is hashed once per change:
/// chain hashes, derived record ids, receipts. swift-crypto's `SHA256` allocates a context object
/// per hash, which costs more than hashing a change (BENCHMARKS.md); signatures and everything
/// else stay with swift-crypto.
enum SystemSHA256 {
    /// The 32 digest bytes, in the memory of four words (byte order as produced, not as numbers).
    typealias Digest = (UInt64, UInt64, UInt64, UInt64)

    static func hash(_ data: UnsafeRawBufferPointer) -> Digest {
        var digest: Digest = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digest) { out in
            accord_sha256(data.baseAddress, data.count, out.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return digest
    }

    static func hash(_ bytes: [UInt8]) -> Digest { bytes.withUnsafeBytes { hash($0) } }
}
