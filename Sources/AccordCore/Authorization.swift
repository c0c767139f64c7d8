/// Who wrote a change: the office and role its author replica is registered with.
public struct Author: Sendable, Hashable {
    public var office: OfficeCode
    public var role: ReplicaRole

    public init(office: OfficeCode, role: ReplicaRole) {
        self.office = office
        self.role = role
    }
}

/// Why a write is not allowed: the rule broken, in words a user can act on.
public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable identifier of the rule, e.g. `alert-contributor-only`.
    public var rule: String
    public var message: String
    public var description: String { message }

    public init(rule: String, message: String) {
        self.rule = rule
        self.message = message
    }
}

/// The authorisation rules of the brief as one pure function of the author and the record; the
/// hub applies it on push, every replica on merge, and local commands before writing.
///
/// - An office writes only records it owns.
/// - The secretariat writes activities and training variants of any owner, never an ALERT entry.
/// - Auditors write nothing.
/// - Only the secretariat writes the replica registry.
public enum Authorization {
    public static func check(author: Author, record: RecordID) -> Refusal? {
        switch author.role {
        case .auditor:
            return Refusal(rule: "auditor-read-only", message: "auditors only read: \(author.office) auditor replicas cannot write \(record)")
        case .secretariat:
            if record.kind == .alertUpload {
                return Refusal(rule: "alert-contributor-only",
                               message: "only the contributing office \(record.owner) may change ALERT entry \(record); the secretariat never alters a national ALERT list")
            }
            return nil
        case .office:
            if record.kind == .replica {
                return Refusal(rule: "registry-secretariat-only",
                               message: "only the secretariat registers replicas: office \(author.office) cannot write \(record)")
            }
            if author.office != record.owner {
                return Refusal(rule: "owner-only",
                               message: "office \(author.office) cannot write \(record): it belongs to \(record.owner)")
            }
            return nil
        }
    }
}
