/// The identity of one replica (one database file): 16 lowercase hexadecimal digits, drawn at
/// random by `accord init`. It breaks ties between equal clock stamps, so every replica must
/// compare ids the same way: plain byte order of the string.
public struct ReplicaID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// Accepts 16 lowercase hexadecimal digits.
    public init?(_ rawValue: String) {
        guard rawValue.utf8.count == 16,
              rawValue.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else { return nil }
        self.rawValue = rawValue
    }

    /// A fresh random id.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> ReplicaID {
        let value = UInt64.random(in: .min ... .max, using: &generator)
        let hex = String(value, radix: 16)
        return ReplicaID(String(repeating: "0", count: 16 - hex.count) + hex)!
    }

    public static func random() -> ReplicaID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func < (a: ReplicaID, b: ReplicaID) -> Bool { a.rawValue < b.rawValue }
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
