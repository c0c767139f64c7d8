/// The canonical byte encoding of a change: the input of its SHA-256 chain hash. It is fixed
/// and documented in `schemas/canonical-change.md` (and `sync-fixtures/README.md`) so that another implementation can reproduce
/// every hash; `sync-fixtures/hashes.json` gives inputs and expected hashes.
///
///     u8      format version (1)
///     str     author replica id
///     u64     seq
///     u64     hlc (raw packed value)
///     str     record id
///     str     field name
///     u8      0 = no element, 1 = element follows
///     [str    element]
///     u8      value tag: 0 null, 1 false, 2 true, 3 integer, 4 string
///     [i64    integer | str string]
///     32 B    previous hash (32 zero bytes when seq = 1)
///
/// Integers are big-endian; `str` is a u32 big-endian byte count followed by UTF-8 bytes.
public enum CanonicalEncoding {
    public static let version: UInt8 = 1

    public static func encode(_ change: Change) -> [UInt8] {
        var bytes: [UInt8] = []
        append(change, to: &bytes)
        return bytes
    }

    public static func append(_ change: Change, to out: inout [UInt8]) {
        append(author: change.author, seq: change.seq, hlc: change.hlc, record: change.record, field: change.field,
               element: change.element, value: change.value, previousHash: change.previousHash, to: &out)
    }

    /// The encoding of a change given by its parts (the same bytes `write` puts in the hasher's
    /// buffer, appended to `out`).
    public static func append(author: ReplicaID, seq: UInt64, hlc: HLC, record: RecordID, field: String, element: String?,
                              value: FieldValue, previousHash: ChangeHash?, to out: inout [UInt8]) {
        let start = out.count
        let count = count(record: record, field: field, element: element, value: value)
        out.append(contentsOf: repeatElement(0, count: count))
        out.withUnsafeMutableBytes { raw in
            write(authorDigits: author.digitWords, seq: seq, hlc: hlc, record: record, field: field, element: element,
                  value: value, previousHash: previousHash, to: raw.baseAddress! + start)
        }
    }

    /// The byte count of the encoding of a change with these parts.
    static func count(record: RecordID, field: String, element: String?, value: FieldValue) -> Int {
        var count = 1 + 4 + 16 + 8 + 8 + 4 + record.rawValue.utf8.count + 4 + field.utf8.count + 1 + 1 + 32
        if let element { count += 4 + element.utf8.count }
        switch value {
        case .int: count += 8
        case .string(let text): count += 4 + text.utf8.count
        default: break
        }
        return count
    }

    /// Writes the encoding at `out`, which must have room for `count(…)` bytes: the hasher's
    /// path, with no array growth checks per field. Each step takes and returns the write
    /// position (no closure captures it, so it stays in a register). `authorDigits` are the
    /// author's 16 digits (`ReplicaID.digitWords`), which the hasher keeps for a run's author.
    static func write(authorDigits: (UInt64, UInt64), seq: UInt64, hlc: HLC, record: RecordID, field: String, element: String?,
                      value: FieldValue, previousHash: ChangeHash?, to out: UnsafeMutableRawPointer) {
        var at = put(version, at: out)
        at = put(UInt32(16).bigEndian, at: at)
        at = put(authorDigits, at: at)
        at = put(seq.bigEndian, at: at)
        at = put(hlc.rawValue.bigEndian, at: at)
        at = put(record.rawValue, at: at)
        at = put(field, at: at)
        if let element {
            at = put(UInt8(1), at: at)
            at = put(element, at: at)
        } else {
            at = put(UInt8(0), at: at)
        }
        switch value {
        case .null: at = put(UInt8(0), at: at)
        case .bool(let flag): at = put(UInt8(flag ? 2 : 1), at: at)
        case .int(let number):
            at = put(UInt8(3), at: at)
            at = put(UInt64(bitPattern: number).bigEndian, at: at)
        case .string(let text):
            at = put(UInt8(4), at: at)
            at = put(text, at: at)
        }
        if let previousHash {
            previousHash.withBytes { at.copyMemory(from: $0.baseAddress!, byteCount: 32) }
        } else {
            at.initializeMemory(as: UInt8.self, repeating: 0, count: 32)
        }
    }

    @inline(__always)
    private static func put<T>(_ value: T, at: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
        at.storeBytes(of: value, as: T.self)
        return at + MemoryLayout<T>.size
    }

    /// A u32 big-endian byte count, then the UTF-8 bytes.
    @inline(__always)
    private static func put(_ text: String, at: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
        let count = text.utf8.count
        let start = put(UInt32(count).bigEndian, at: at)
        if text.utf8.withContiguousStorageIfAvailable({ start.copyMemory(from: $0.baseAddress!, byteCount: count) }) == nil {
            for (offset, byte) in text.utf8.enumerated() { start.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self) }
        }
        return start + count
    }

    static func appendUInt64(_ value: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    static func appendString(_ text: String, to out: inout [UInt8]) {
        text.withUTF8Bytes { utf8 in
            withUnsafeBytes(of: UInt32(utf8.count).bigEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: utf8)
        }
    }
}
