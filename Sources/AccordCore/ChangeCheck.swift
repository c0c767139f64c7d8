import Foundation

/// Checks a received change against the schema before it is merged: a known field must carry a
/// value of its type in normal form (a peer that skips normalisation would otherwise split one
/// ALERT entry into two spellings), the deletion flag must be a flag. Fields unknown to this
/// version pass when they are in a form every replica stores alike (see `unknownFieldProblem`):
/// a newer version wrote them, and they are kept and relayed.
public enum ChangeCheck {
    public static func problem(kind: RecordKind, field: String, element: String?, value: FieldValue) -> String? {
        if field == Change.deletedField {
            guard element == nil, case .bool = value else { return "_deleted must be true or false, with no element" }
            return nil
        }
        guard let spec = RecordSchema.of(kind).field(named: field) else { return unknownFieldProblem(field: field, element: element, value: value) }
        if spec.type.isSet {
            guard let element, case .bool = value else { return "\(field) is a set: a change must name an element and set it true or false" }
            // Byte comparison: Swift's String == treats NFC and NFD spellings as equal.
            guard let normal = try? FieldValidation.normalizeElement(element, type: spec.type, field: field),
                  normal.utf8.elementsEqual(element.utf8) else {
                return "\(field): element \"\(element)\" is not valid or not in normal form"
            }
            return nil
        }
        guard element == nil else { return "\(field) is not a set field, but the change names an element" }
        if value == .null { return spec.required ? "\(field) is required and cannot be set to null" : nil }
        if case .string(let text) = value, isNormalText(text, as: spec.type) { return nil }
        switch FieldValidation.normalize(value.json, as: spec) {
        case .success(.scalar(let normal)) where normal == value && normal.description.utf8.elementsEqual(value.description.utf8): return nil
        case .success: return "\(field): \(value.json.serialized) is not in normal form"
        case .failure(let problem): return problem.description
        }
    }
}

extension ChangeCheck {
    /// True when `text` is certainly what `FieldValidation.normalize` would make of it, checked
    /// without building JSON: every local write and every received change passes through here,
    /// and almost all of them are already normal. False means "check the slow way", which also
    /// words the error.
    static func isNormalText(_ text: String, as type: FieldType) -> Bool {
        switch type {
        case .text:
            return isCleanASCII(text) || (!text.isEmpty && Text.clean(text).utf8.elementsEqual(text.utf8))
        case .choice(let options):
            return options.contains { sameBytes($0, text) }
        case .country:
            return text.utf8.count == 2 && ISOCountry.isAssigned(text)
        case .date:
            // The parse accepts exactly YYYY-MM-DD, which is also how a date prints.
            return CalendarDate(text) != nil
        case .domain:
            return DomainName.isNormalASCII(text)
        default:
            return false
        }
    }

    /// Printable ASCII with no space at either end: already trimmed and in NFC, the common case,
    /// decided in one pass over the bytes.
    static func isCleanASCII(_ text: String) -> Bool {
        return text.withUTF8Bytes { bytes in
            guard let first = bytes.first, let last = bytes.last, first != 0x20, last != 0x20 else { return false }
            return bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        }
    }

    /// Byte equality (Swift's `==` on strings is canonical equivalence, which would let a
    /// look-alike spelling through).
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        return a.withUTF8Bytes { x in b.withUTF8Bytes { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
    }

    /// `problem(kind:…)` plus the rules that need the record's id: an ALERT entry's `domain` is
    /// its identity (the id is derived from contributor and domain), so a change may not give it
    /// another domain — that would leave two entries for one site once the site is listed again.
    public static func problem(record: RecordID, field: String, element: String?, value: FieldValue) -> String? {
        if let problem = problem(kind: record.kind, field: field, element: element, value: value) { return problem }
        if record.kind == .alertUpload, field == "domain", case .string(let domain) = value,
           !record.isAlert(ofDomain: domain) {
            return "domain \(domain) is not the domain of \(record) (an ALERT entry is identified by its contributor and domain)"
        }
        if record.kind == .replica, record.registeredReplica == nil {
            return "\(record) is not a registry record id (replica-OFFICE-<16 hex digits of a replica id>)"
        }
        return nil
    }

    /// The members `list --json` puts around a record's fields: a field with one of these names
    /// would overwrite them (an activity of KE printed as owned by CN, a live record as deleted).
    public static let reservedNames: Set<String> = ["id", "owner", "contributor", "deleted"]

    /// A field this version does not know is kept and relayed, but only in a form every replica
    /// stores byte for byte alike: an ASCII interchange name (`[a-z][a-z0-9_]*`, at most 64
    /// bytes, not reserved), NFC text, and set elements (NFC) written as flags. Otherwise two
    /// canonically equivalent spellings of one name or element would be one dictionary key in
    /// `RecordState` (Swift compares strings by canonical equivalence) and which bytes a replica
    /// keeps would depend on the order changes arrived in.
    static func unknownFieldProblem(field: String, element: String?, value: FieldValue) -> String? {
        let bytes = Array(field.utf8)
        guard (1...64).contains(bytes.count), (97...122).contains(bytes[0]),
              bytes.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 95 }) else {
            return "\"\(field)\" is not a field name (lower-case ASCII letters, digits and _, starting with a letter)"
        }
        guard !reservedNames.contains(field) else { return "\(field) is reserved: it is not a field of any record" }
        func isNFC(_ text: String) -> Bool { Text.nfc(text).utf8.elementsEqual(text.utf8) }
        if let element {
            guard case .bool = value else { return "\(field): a set element must be set true or false" }
            guard isNFC(element) else { return "\(field): element \"\(element)\" is not in NFC" }
        } else if case .string(let text) = value, !isNFC(text) {
            return "\(field): text is not in NFC"
        }
        return nil
    }
}

/// The clock rule: a change stamped further ahead of the receiver's wall clock than the allowed
/// skew is refused, so one replica with a wrong clock cannot win every future conflict.
public struct ClockSkewError: Error, Sendable, CustomStringConvertible {
    public var replica: ReplicaID
    public var aheadMillis: UInt64
    public var allowedMillis: UInt64

    public var description: String {
        "replica \(replica) stamped a change \(Double(aheadMillis) / 1000) s ahead of this clock (more than the allowed \(allowedMillis / 1000) s); fix that replica's clock and sync again"
    }

    public static func check(_ hlc: HLC, author: ReplicaID, nowMillis: UInt64, allowedMillis: UInt64) -> ClockSkewError? {
        guard hlc.millis > nowMillis + allowedMillis else { return nil }
        return ClockSkewError(replica: author, aheadMillis: hlc.millis - nowMillis, allowedMillis: allowedMillis)
    }
}
