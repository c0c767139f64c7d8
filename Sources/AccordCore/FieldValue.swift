/// The value a change writes to one field (or to one element flag of a set field).
///
/// Deliberately small: Accord's records only hold text, whole numbers and flags, and every
/// implementation must encode these identically for hashes to agree.
public enum FieldValue: Hashable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)

    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .int(let number): String(number)
        case .string(let text): text
        }
    }

    public var json: JSONValue {
        switch self {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .int(let number): .int(number)
        case .string(let text): .string(text)
        }
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}
