/// Appends LEB128 varints and length-prefixed strings: the building blocks of the storage and
/// wire encodings (not of the canonical encoding, which uses fixed-width fields).
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    public mutating func byte(_ value: UInt8) { bytes.append(value) }

    public mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    public mutating func zigzag(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    public mutating func string(_ text: String) {
        text.withUTF8Bytes { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    public mutating func raw(_ data: [UInt8]) { bytes.append(contentsOf: data) }

    public mutating func uint64(_ value: UInt64) { withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) } }

    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }
}

/// What is wrong with a stored or received byte sequence.
public struct DecodingFailure: Error, Sendable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public var description: String { "malformed data at byte \(offset): \(reason)" }
}

/// Reads what `ByteWriter` wrote, checking every bound: input may come from a hostile peer.
public struct ByteReader {
    public let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public var isAtEnd: Bool { offset >= bytes.count }

    func failure(_ reason: String) -> DecodingFailure { DecodingFailure(offset: offset, reason: reason) }

    public mutating func byte() throws(DecodingFailure) -> UInt8 {
        guard offset < bytes.count else { throw failure("unexpected end") }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func varint() throws(DecodingFailure) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64, !(shift == 63 && next > 1) else { throw failure("varint overflows 64 bits") }
            result |= UInt64(next & 0x7F) << shift
            if next < 0x80 { return result }
            shift += 7
        }
    }

    public mutating func zigzag() throws(DecodingFailure) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    public mutating func string() throws(DecodingFailure) -> String {
        let count = try varint()
        guard count <= UInt64(bytes.count - offset) else { throw failure("string longer than the data") }
        let end = offset + Int(count)
        guard let text = String(validating: bytes[offset..<end], as: UTF8.self) else { throw failure("string is not valid UTF-8") }
        offset = end
        return text
    }

    public mutating func uint64() throws(DecodingFailure) -> UInt64 {
        guard bytes.count - offset >= 8 else { throw failure("unexpected end") }
        defer { offset += 8 }
        return bytes[offset..<offset + 8].reduce(0) { $0 << 8 | UInt64($1) }
    }

    public mutating func raw(_ count: Int) throws(DecodingFailure) -> [UInt8] {
        guard count >= 0, count <= bytes.count - offset else { throw failure("unexpected end") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }
}
