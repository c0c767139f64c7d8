/// Checks a received change against the schema before it is merged: a known field must carry a
/// value of its type in normal form (a peer that skips normalisation would otherwise split one
/// ALERT entry into two spellings), the deletion flag must be a flag. Fields unknown to this
/// version pass: a newer version wrote them, and they are kept and relayed.
public enum ChangeCheck {
    public static func problem(kind: RecordKind, field: String, element: String?, value: FieldValue) -> String? {
        if field == Change.deletedField {
            guard element == nil, case .bool = value else { return "_deleted must be true or false, with no element" }
            return nil
        }
        guard let spec = RecordSchema.of(kind).field(named: field) else { return nil }
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
        switch FieldValidation.normalize(value.json, as: spec) {
        case .success(.scalar(let normal)) where normal == value && normal.description.utf8.elementsEqual(value.description.utf8): return nil
        case .success: return "\(field): \(value.json.serialized) is not in normal form"
        case .failure(let problem): return problem.description
        }
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
