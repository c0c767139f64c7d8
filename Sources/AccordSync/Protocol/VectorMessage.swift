import AccordCore

/// The binary encoding of a version vector on the wire (`schemas/sync-wire-format.md`):
///
///     "ACV" u8 format(1) varint count { 8-byte replica id, varint seq } × count
///
/// Entries are sorted by replica id, strictly increasing, and every seq is at least 1, so one
/// vector has exactly one encoding. Its size grows with the number of replicas, never with
/// the history: a sync with nothing new costs one such message each way.
public enum VectorMessage {
    public static let magic: [UInt8] = Array("ACV".utf8)
    public static let formatVersion: UInt8 = 1
    /// The smallest entry (8-byte id and a one-byte seq): used to refuse impossible counts.
    static let minimumEntryBytes = 9

    public static func encode(_ vector: VersionVector) -> [UInt8] {
        var writer = ByteWriter(capacity: 8 + vector.heads.count * 11)
        writer.raw(magic)
        writer.byte(formatVersion)
        writer.varint(UInt64(vector.heads.count))
        for (id, seq) in vector.heads.sorted(by: { $0.key < $1.key }) {
            writer.raw(ReplicaIDBytes.bytes(of: id))
            writer.varint(seq)
        }
        return writer.bytes
    }

    /// Decodes a vector from a peer; `maxEntries` bounds what a hostile peer can make us build.
    public static func decode(_ bytes: [UInt8], maxEntries: Int = WireLimits().maxAuthors) throws(WireFormatError) -> VersionVector {
        guard bytes.count >= 5, Array(bytes[0..<3]) == magic else {
            throw malformed("it does not start with the \"ACV\" magic (is the body a version vector?)")
        }
        guard bytes[3] == formatVersion else {
            throw WireFormatError(code: "vector-unsupported-format",
                                  message: "version vector format \(bytes[3]) is not understood here (this side speaks format \(formatVersion)); upgrade accord")
        }
        var reader = ByteReader(bytes, offset: 4)
        do {
            let count = try reader.varint()
            guard count <= UInt64(maxEntries) else {
                throw malformed("it declares \(count) entries, the limit is \(maxEntries)")
            }
            guard count <= UInt64((bytes.count - reader.offset) / minimumEntryBytes) else {
                throw malformed("it declares \(count) entries in \(bytes.count - reader.offset) bytes")
            }
            var heads: [ReplicaID: UInt64] = [:]
            heads.reserveCapacity(Int(count))
            var previous: ReplicaID?
            for number in 0..<Int(count) {
                let id = ReplicaIDBytes.id(from: try reader.raw(8))
                if let previous, !(previous < id) {
                    throw malformed("entry \(number) (replica \(id)) is not in increasing replica id order")
                }
                let seq = try reader.varint()
                guard seq >= 1 else { throw malformed("entry \(number) (replica \(id)) has sequence number 0; omit replicas with nothing") }
                heads[id] = seq
                previous = id
            }
            guard reader.isAtEnd else { throw malformed("\(bytes.count - reader.offset) bytes follow the last entry") }
            return VersionVector(heads)
        } catch let failure as DecodingFailure {
            throw malformed("at byte \(failure.offset): \(failure.reason)")
        } catch let error as WireFormatError {
            throw error
        } catch {
            throw malformed("\(error)")
        }
    }

    static func malformed(_ message: String) -> WireFormatError {
        WireFormatError(code: "vector-malformed", message: "malformed version vector: \(message)")
    }
}
