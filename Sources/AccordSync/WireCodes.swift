import AccordCore

/// The previous-hash marker of a run on the wire.
enum PreviousHash: UInt8 {
    /// The run starts its author's history (firstSeq 1).
    case none = 0
    /// 32 bytes follow.
    case explicit = 1
    /// The hash of the last change of the previous run of the same author in this batch, which
    /// must end at firstSeq - 1; the receiver computes it.
    case chained = 2
}

/// Roles as one byte on the wire.
enum RoleCode {
    static func code(of role: ReplicaRole) -> UInt8 {
        switch role {
        case .office: 0
        case .secretariat: 1
        case .auditor: 2
        }
    }

    static func role(of code: UInt8) -> ReplicaRole? {
        switch code {
        case 0: .office
        case 1: .secretariat
        case 2: .auditor
        default: nil
        }
    }
}

/// Replica ids (16 hexadecimal digits) as their 8 bytes, big-endian.
enum ReplicaIDBytes {
    static func bytes(of id: ReplicaID) -> [UInt8] {
        let value = UInt64(id.rawValue, radix: 16)!
        return (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }

    static func id(from bytes: [UInt8]) -> ReplicaID {
        let value = bytes.reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
        let hex = String(value, radix: 16)
        return ReplicaID(String(repeating: "0", count: 16 - hex.count) + hex)!
    }
}
