/// The merged state of one record: for every scalar field and every set element, the value of
/// the greatest `Stamp` seen. Applying changes is idempotent and commutative, so any replica
/// that has applied the same set of changes, in any order and with any repeats, holds the same
/// state. Nothing here does I/O.
public struct RecordState: Sendable, Equatable {
    public struct Stamped<Value: Sendable & Equatable>: Sendable, Equatable {
        public var stamp: Stamp
        public var value: Value
    }

    public let id: RecordID
    /// Scalar fields by name, including the hidden `_deleted` flag and fields unknown to this
    /// version (kept so that they are shown and relayed, never dropped).
    public private(set) var scalars: [String: Stamped<FieldValue>] = [:]
    /// Set fields by name: each element's own last-writer-wins presence flag. Absent elements
    /// are kept with their stamp, so that an older concurrent add cannot bring them back.
    public private(set) var sets: [String: [String: Stamped<Bool>]] = [:]

    public init(id: RecordID) { self.id = id }

    /// Applies one write; returns whether the state changed.
    @discardableResult
    public mutating func apply(stamp: Stamp, field: String, element: String?, value: FieldValue) -> Bool {
        if let element {
            let present: Bool
            if case .bool(let flag) = value { present = flag } else { present = value != .null }
            if let current = sets[field]?[element], current.stamp >= stamp { return false }
            sets[field, default: [:]][element] = Stamped(stamp: stamp, value: present)
            return true
        }
        if let current = scalars[field], current.stamp >= stamp { return false }
        scalars[field] = Stamped(stamp: stamp, value: value)
        return true
    }

    @discardableResult
    public mutating func apply(_ change: Change) -> Bool {
        apply(stamp: change.stamp, field: change.field, element: change.element, value: change.value)
    }

    /// True once any change has touched this record.
    public var exists: Bool { !scalars.isEmpty || !sets.isEmpty }

    /// Deleted and restored are writes of `_deleted`; an edit of another field never changes it,
    /// so a concurrent edit cannot resurrect a deleted record (and its value awaits a restore).
    public var isDeleted: Bool { scalars[Change.deletedField]?.value == .bool(true) }

    public func value(of field: String) -> FieldValue { scalars[field]?.value ?? .null }

    /// Present elements of a set field, sorted by UTF-8 bytes.
    public func elements(of field: String) -> [String] {
        (sets[field] ?? [:]).filter(\.value.value).map(\.key).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The record in its interchange form: `id`, `owner`, every field of the schema (null or an
    /// empty list when unset), fields unknown to this version as written, and `contributor` for
    /// ALERT entries. `deleted` appears only when true and asked for.
    public func json(includeDeletedFlag: Bool = false) -> JSONValue {
        let schema = RecordSchema.of(id.kind)
        var members: [String: JSONValue] = ["id": .string(id.rawValue), "owner": .string(id.owner.rawValue)]
        if id.kind == .alertUpload { members["contributor"] = .string(id.owner.rawValue) }
        for spec in schema.fields {
            members[spec.name] = spec.type.isSet ? .array(elements(of: spec.name).map { .string($0) }) : value(of: spec.name).json
        }
        for (field, stamped) in scalars where field != Change.deletedField && schema.field(named: field) == nil {
            members[field] = stamped.value.json
        }
        for field in sets.keys where schema.field(named: field) == nil {
            members[field] = .array(elements(of: field).map { .string($0) })
        }
        if includeDeletedFlag && isDeleted { members["deleted"] = .bool(true) }
        return .object(members)
    }
}
