/// The id of a record: `<kind prefix>-<owner>-<token>`, e.g. `alert-KE-3j8f1q0c6w2m9t4b`.
///
/// The owner is part of the id so that authorisation is a pure function of a change: nobody can
/// re-own a record by writing a field, and a receiver needs no lookup to know whose record a
/// change touches.
public struct RecordID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public let kind: RecordKind
    public let owner: OfficeCode

    /// Parses an id; nil if it is not of the form above. Byte by byte, with no intermediate
    /// strings: every run read from the log or a wire batch parses its record's id.
    public init?(_ rawValue: String) {
        guard let (kind, owner) = rawValue.withUTF8Bytes({ Self.parse($0) }) else { return nil }
        self.rawValue = rawValue
        self.kind = kind
        self.owner = owner
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> (RecordKind, OfficeCode)? {
        let dash = UInt8(ascii: "-")
        guard let first = bytes.firstIndex(of: dash),
              let second = bytes[(first + 1)...].firstIndex(of: dash) else { return nil }
        let kind: RecordKind
        switch first {
        case 2 where bytes[0] == UInt8(ascii: "t") && bytes[1] == UInt8(ascii: "v"): kind = .trainingVariant
        case 3 where bytes[0..<3].elementsEqual("act".utf8): kind = .activity
        case 5 where bytes[0..<5].elementsEqual("alert".utf8): kind = .alertUpload
        case 7 where bytes[0..<7].elementsEqual("replica".utf8): kind = .replica
        default: return nil
        }
        let ownerBytes = bytes[(first + 1)..<second]
        guard ownerBytes.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }),
              let owner = OfficeCode(String(decoding: ownerBytes, as: UTF8.self)) else { return nil }
        let token = bytes[(second + 1)...]
        guard (1...64).contains(token.count),
              token.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 122) }) else { return nil }
        return (kind, owner)
    }

    private init(kind: RecordKind, owner: OfficeCode, token: String) {
        self.kind = kind
        self.owner = owner
        self.rawValue = "\(kind.idPrefix)-\(owner.rawValue)-\(token)"
    }

    // The kind and owner are parsed from the raw value, so it alone identifies the record (and
    // hashing one string instead of three matters on the write path).
    public static func == (a: RecordID, b: RecordID) -> Bool { a.rawValue == b.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    /// True when this is the id `alert(contributor: owner, normalizedDomain: domain)` gives,
    /// checked without building that id: every received or written ALERT domain is checked so.
    public func isAlert(ofDomain domain: String) -> Bool {
        guard kind == .alertUpload else { return false }
        return withUnsafeBytes(of: Self.derivationDigest(kind: kind, owner: owner, key: CollectionOfOne(domain))) { digest in
            // The token is the base-32 form of the digest's first 10 bytes: 16 characters, last in the id.
            return rawValue.withUTF8Bytes { id in
                guard id.count == kind.idPrefix.utf8.count + owner.rawValue.utf8.count + 2 + 16 else { return false }
                return Base32.matches(digest.prefix(10), id.suffix(16))
            }
        }
    }

    /// A deterministic id from a natural key, so that the same entry written on two replicas (or
    /// imported twice) is one record. ALERT entries use (contributor, normalised domain).
    public static func derived(kind: RecordKind, owner: OfficeCode, key: [String]) -> RecordID {
        let token = withUnsafeBytes(of: derivationDigest(kind: kind, owner: owner, key: key)) { Base32.encode(Array($0.prefix(10))[...]) }
        return RecordID(kind: kind, owner: owner, token: token)
    }

    /// The SHA-256 a derived id's token comes from: the kind, then the owner and each key part
    /// after a 0x1F separator, hashed in one piece (every received ALERT domain is checked
    /// against it, so this is on the merge path).
    private static func derivationDigest(kind: RecordKind, owner: OfficeCode, key: some Collection<String>) -> SystemSHA256.Digest {
        let count = kind.rawValue.utf8.count + 1 + owner.rawValue.utf8.count + key.reduce(0) { $0 + 1 + $1.utf8.count }
        // On the stack: an id's input is short, and checking a received domain should not allocate.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { input in
            var at = 0
            func put(_ text: String) {
                for byte in text.utf8 {
                    input[at] = byte
                    at += 1
                }
            }
            put(kind.rawValue)
            input[at] = 0x1F
            at += 1
            put(owner.rawValue)
            for part in key {
                input[at] = 0x1F
                at += 1
                put(part)
            }
            return SystemSHA256.hash(UnsafeRawBufferPointer(input))
        }
    }

    /// A fresh random id for a record created by `accord add`.
    public static func random(kind: RecordKind, owner: OfficeCode) -> RecordID {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<10).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
        return RecordID(kind: kind, owner: owner, token: Base32.encode(bytes[...]))
    }

    /// The id of the ALERT entry a contributor lists for a domain (already normalised).
    public static func alert(contributor: OfficeCode, normalizedDomain: String) -> RecordID {
        derived(kind: .alertUpload, owner: contributor, key: [normalizedDomain])
    }

    /// The registry record of `replica`, kept by the secretariat office `secretariat`.
    public static func registry(of replica: ReplicaID, secretariat: OfficeCode) -> RecordID {
        RecordID(kind: .replica, owner: secretariat, token: replica.rawValue)
    }

    /// For a registry record, the replica it registers.
    public var registeredReplica: ReplicaID? {
        guard kind == .replica, let dash = rawValue.lastIndex(of: "-") else { return nil }
        return ReplicaID(String(rawValue[rawValue.index(after: dash)...]))
    }

    public static func < (a: RecordID, b: RecordID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { rawValue }
}

/// Lowercase RFC 4648 base32 without padding (digits and letters only, so ids stay readable).
enum Base32 {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    /// True when `encoded` is the encoding of `bytes` (5 bytes to 8 characters, no padding).
    static func matches(_ bytes: Slice<UnsafeRawBufferPointer>, _ encoded: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        var buffer: UInt32 = 0
        var bits = 0
        var position = encoded.startIndex
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                guard position < encoded.endIndex, encoded[position] == alphabet[Int((buffer >> UInt32(bits - 5)) & 31)] else { return false }
                position += 1
                bits -= 5
            }
        }
        return bits == 0 && position == encoded.endIndex
    }

    static func encode(_ bytes: ArraySlice<UInt8>) -> String {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: output, as: UTF8.self)
    }
}
