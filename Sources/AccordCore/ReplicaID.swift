/// The identity of one replica (one database file): 16 lowercase hexadecimal digits, drawn at
/// random by `accord init`. It breaks ties between equal clock stamps, so every replica must
/// compare ids the same way: plain byte order of the string.
///
/// Held as the 64-bit number the digits spell: fixed-width lowercase hex sorts like the number,
/// so the order is the same, and a `Stamp` (which carries one) is then a plain value that costs
/// no reference counting on the merge path.
public struct ReplicaID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let value: UInt64

    /// Accepts 16 lowercase hexadecimal digits.
    public init?(_ rawValue: String) {
        guard rawValue.utf8.count == 16 else { return nil }
        var value: UInt64 = 0
        for byte in rawValue.utf8 {
            switch byte {
            case 48...57: value = value << 4 | UInt64(byte - 48)
            case 97...102: value = value << 4 | UInt64(byte - 87)
            default: return nil
            }
        }
        self.value = value
    }

    public init(value: UInt64) { self.value = value }

    /// The 16 lowercase hexadecimal digits.
    public var rawValue: String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Appends the 16 digits as UTF-8 (the canonical encoding hashes them on every change).
    public func appendDigits(to out: inout [UInt8]) {
        withUnsafeBytes(of: digitWords) { out.append(contentsOf: $0) }
    }

    /// The 16 digits as two 8-byte words (in memory order), built in registers.
    var digitWords: (UInt64, UInt64) {
        func digits(_ half: UInt64) -> UInt64 {
            var word: UInt64 = 0
            for shift in stride(from: 28, through: 0, by: -4) {
                let nibble = (half >> UInt64(shift)) & 0xF
                word = word << 8 | (nibble < 10 ? 48 + nibble : 87 + nibble)
            }
            return word.bigEndian
        }
        return (digits(value >> 32), digits(value & 0xFFFF_FFFF))
    }

    /// A fresh random id.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> ReplicaID {
        ReplicaID(value: UInt64.random(in: .min ... .max, using: &generator))
    }

    public static func random() -> ReplicaID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func < (a: ReplicaID, b: ReplicaID) -> Bool { a.value < b.value }
    public var description: String { rawValue }
}

/// What a replica may do; it comes from the `OU` of its certificate and is recorded at `init`.
public enum ReplicaRole: String, Sendable, CaseIterable, Codable {
    case office, secretariat, auditor
}

/// The record collections: the three of the brief, and the replica registry the secretariat keeps. The raw value is the interchange name used on the command line,
/// in JSON and as the SQL table name.
public enum RecordKind: String, Sendable, CaseIterable, Hashable, Codable {
    case activity
    case trainingVariant = "training_variant"
    case alertUpload = "alert_upload"
    /// The replica registry: one record per replica (office, role, public key, certificate),
    /// written only by the secretariat, so that every replica can check any change's author.
    case replica

    /// The prefix of this kind's record ids, e.g. `alert` in `alert-KE-3j8f1q0c6w2m9t4b`.
    public var idPrefix: String {
        switch self {
        case .activity: "act"
        case .trainingVariant: "tv"
        case .alertUpload: "alert"
        case .replica: "replica"
        }
    }

    public init?(idPrefix: Substring) {
        switch idPrefix {
        case "act": self = .activity
        case "tv": self = .trainingVariant
        case "alert": self = .alertUpload
        case "replica": self = .replica
        default: return nil
        }
    }
}
