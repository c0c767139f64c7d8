import AccordCore
import AccordStore

/// The binary encoding of a `ChangeBatch` on the wire (`schemas/sync-wire-format.md`).
///
/// The frame is a 5-byte header, the payload length, and the payload — deflated when that pays:
///
///     "ACB" u8 format(1) u8 compression(0 stored, 1 zlib) varint payload-length payload
///
/// The payload sends each author's replica id, office, role, name and public key once, then the
/// runs, then the authors' signatures over their chains (`CommitSignature`); a run
/// names its author by index, its record id once and its entries through `RunBodyCodec` (field
/// names by schema position, clocks as deltas). A run that continues the previous run of the
/// same author in the batch does not carry its 32-byte previous hash: the receiver recomputes it,
/// and the encoder only omits it after checking that it matches, so decoding gives back exactly
/// the batch that was encoded.
public enum WireBatch {
    public static let magic: [UInt8] = Array("ACB".utf8)
    public static let formatVersion: UInt8 = 2

    /// Payloads smaller than this are sent stored: deflate cannot win much on them.
    static let compressionThreshold = 128

    public enum Compression: Sendable {
        /// Deflate when the payload is large enough to gain from it.
        case automatic
        case none
    }

    // MARK: Encoding

    public static func encode(_ batch: ChangeBatch, compression: Compression = .automatic) -> [UInt8] {
        let payload = encodePayload(batch)
        var frame = ByteWriter(capacity: payload.count / 3 + 16)
        frame.raw(magic)
        frame.byte(formatVersion)
        if compression == .automatic, payload.count >= compressionThreshold {
            let deflated = Zlib.deflate(payload)
            if deflated.count < payload.count {
                frame.byte(1)
                frame.varint(UInt64(payload.count))
                frame.raw(deflated)
                return frame.bytes
            }
        }
        frame.byte(0)
        frame.varint(UInt64(payload.count))
        frame.raw(payload)
        return frame.bytes
    }

    static func encodePayload(_ batch: ChangeBatch) -> [UInt8] {
        // Authors: in order of first appearance among the runs, then any others the batch declares.
        var order: [ReplicaID] = []
        var index: [ReplicaID: Int] = [:]
        for run in batch.runs where index[run.author] == nil {
            index[run.author] = order.count
            order.append(run.author)
        }
        for id in batch.authors.keys.sorted() where index[id] == nil {
            index[id] = order.count
            order.append(id)
        }
        for signature in batch.signatures where index[signature.author] == nil {
            index[signature.author] = order.count
            order.append(signature.author)
        }
        var writer = ByteWriter(capacity: 64 + batch.changeCount * 12)
        writer.varint(UInt64(order.count))
        for id in order {
            writer.raw(ReplicaIDBytes.bytes(of: id))
            let info = batch.authors[id]
            var flags: UInt8 = 0
            if info != nil { flags |= 1 }
            if info?.name != nil { flags |= 2 }
            if info?.publicKey != nil { flags |= 4 }
            writer.byte(flags)
            if let info {
                writer.string(info.author.office.rawValue)
                writer.byte(RoleCode.code(of: info.author.role))
                if let name = info.name { writer.string(name) }
                if let key = info.publicKey { writer.raw(key.bytes) }
            }
        }

        // Empty runs carry nothing (and `merge` skips them): they are not sent.
        let runs = batch.runs.filter { !$0.entries.isEmpty }
        writer.varint(UInt64(runs.count))
        var hasher = ChangeHasher()
        // Per author: its previous run in this batch, hashed only if the next one continues it.
        var tails: [ReplicaID: ChangeRun] = [:]
        var previousBase: UInt64 = 0
        for run in runs {
            let base = run.entries[0].hlc
            writer.varint(UInt64(index[run.author]!))
            writer.varint(run.firstSeq)
            writer.varint(UInt64(run.entries.count))
            writer.string(run.record.rawValue)
            writer.zigzag(Int64(bitPattern: base.rawValue &- previousBase))
            previousBase = base.rawValue
            if let previous = run.previousHash {
                if let tail = tails[run.author], tail.lastSeq + 1 == run.firstSeq, tail.lastHash(hasher: &hasher) == previous {
                    writer.byte(PreviousHash.chained.rawValue)
                } else {
                    writer.byte(PreviousHash.explicit.rawValue)
                    writer.raw(previous.bytes)
                }
            } else {
                writer.byte(PreviousHash.none.rawValue)
            }
            RunBodyCodec.encode(run.entries, kind: run.record.kind, baseHLC: base, into: &writer)
            tails[run.author] = run
        }
        writer.varint(UInt64(batch.signatures.count))
        for signature in batch.signatures {
            writer.varint(UInt64(index[signature.author]!))
            writer.varint(signature.seq)
            writer.raw(signature.bytes)
        }
        return writer.bytes
    }

    // MARK: Decoding

    /// Decodes a frame from a peer, checking every length, index and identifier against the data
    /// and against `limits`.
    public static func decode(_ frame: [UInt8], limits: WireLimits = WireLimits()) throws(WireFormatError) -> ChangeBatch {
        guard frame.count <= limits.maxFrameBytes else { throw .tooLarge("the frame (bytes)", found: frame.count, limit: limits.maxFrameBytes) }
        guard frame.count >= 5, Array(frame[0..<3]) == magic else {
            throw .malformed("it does not start with the \"ACB\" magic (is the body a change batch?)")
        }
        guard frame[3] == formatVersion else {
            throw .unsupported("change batch format \(frame[3]) is not understood here (this side speaks format \(formatVersion)); upgrade accord")
        }
        var header = ByteReader(frame, offset: 5)
        let declared: UInt64
        do { declared = try header.varint() } catch { throw .malformed("the payload length: \(error.reason)") }
        guard declared <= UInt64(limits.maxPayloadBytes) else {
            throw .tooLarge("the declared payload (bytes)", found: Int(clamping: declared), limit: limits.maxPayloadBytes)
        }
        let body = frame[header.offset...]
        let payload: [UInt8]
        switch frame[4] {
        case 0:
            guard body.count == Int(declared) else {
                throw .malformed("the stored payload has \(body.count) bytes, but the frame declares \(declared)")
            }
            payload = Array(body)
        case 1:
            payload = try Zlib.inflate(body, expectedCount: Int(declared))
        default:
            throw .unsupported("compression method \(frame[4]) is not understood here (0 = stored, 1 = zlib)")
        }
        var decoder = WireBatchDecoder(payload: payload, limits: limits)
        return try decoder.decode()
    }
}
