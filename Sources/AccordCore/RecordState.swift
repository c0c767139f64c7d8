/// The merged state of one record: for every scalar field and every set element, the value of
/// the greatest `Stamp` seen. Applying changes is idempotent and commutative, so any replica
/// that has applied the same set of changes, in any order and with any repeats, holds the same
/// state. Nothing here does I/O.
///
/// The fields of the record's schema are held by schema position in arrays, not by name:
/// every local write, merge, rebuild, verification and `--as-of` replay applies changes here,
/// and a slot lookup costs far less than hashing a field name into a dictionary.
public struct RecordState: Sendable, Equatable {
    public struct Stamped<Value: Sendable & Equatable>: Sendable, Equatable {
        public var stamp: Stamp
        public var value: Value
    }

    public let id: RecordID
    /// A scalar field's winning write: `Stamped<FieldValue>` as stored, a concrete type so that
    /// an array of them is made by specialised code, not through generic value witnesses (a
    /// large import makes one array a record).
    struct ScalarWrite: Sendable, Equatable {
        var stamp: Stamp
        var value: FieldValue
    }

    /// The winning write of each scalar field of the schema, by position; empty until one is
    /// written (then sized to the schema).
    private(set) var scalars: [ScalarWrite?] = []
    /// Each set field's elements by position, with their flags: absent elements are kept with
    /// their stamp, so that an older concurrent add cannot bring them back. Empty until an
    /// element is written, so records without sets (every ALERT entry) never allocate it.
    private(set) var elementFlags: [[String: Stamped<Bool>]] = []
    /// The hidden `_deleted` flag.
    private(set) var deletion: Stamped<FieldValue>?
    /// Scalar fields unknown to this version, kept so that they are shown and relayed.
    public private(set) var unknownScalars: [String: Stamped<FieldValue>] = [:]
    /// Set fields unknown to this version: each element's flag.
    public private(set) var unknownSets: [String: [String: Stamped<Bool>]] = [:]
    /// True once any change has touched this record.
    public private(set) var exists = false

    public init(id: RecordID) { self.id = id }

    /// Applies one write; returns whether the state changed.
    @discardableResult
    public mutating func apply(stamp: Stamp, field: String, element: String?, value: FieldValue) -> Bool {
        if field == Change.deletedField, element == nil {
            if let current = deletion, current.stamp >= stamp { return false }
            deletion = Stamped(stamp: stamp, value: value)
            exists = true
            return true
        }
        guard let position = RecordSchema.of(id.kind).position(of: field) else {
            return applyUnknown(stamp: stamp, field: field, element: element, value: value)
        }
        return apply(stamp: stamp, position: position, element: element, value: value)
    }

    /// Applies one write to the schema field at `position` (see `RecordSchema.position(of:)`).
    @discardableResult
    public mutating func apply(stamp: Stamp, position: Int, element: String?, value: FieldValue) -> Bool {
        if let element {
            if elementFlags.isEmpty { elementFlags = Array(repeating: [:], count: RecordSchema.of(id.kind).fields.count) }
            if let current = elementFlags[position][element]?.stamp, current >= stamp { return false }
            elementFlags[position][element] = Stamped(stamp: stamp, value: Self.presence(value))
        } else {
            if scalars.isEmpty { scalars = Self.unsetScalars(count: RecordSchema.of(id.kind).fields.count) }
            if let current = scalars[position]?.stamp, current >= stamp { return false }
            scalars[position] = ScalarWrite(stamp: stamp, value: value)
        }
        exists = true
        return true
    }

    /// `count` unset scalars, each stored by specialised code (`Array(repeating:count:)` copies
    /// its value through generic witnesses, a measurable part of a large import's merging).
    private static func unsetScalars(count: Int) -> [ScalarWrite?] {
        [ScalarWrite?](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0 ..< count { (buffer.baseAddress! + index).initialize(to: nil) }
            initialized = count
        }
    }

    private mutating func applyUnknown(stamp: Stamp, field: String, element: String?, value: FieldValue) -> Bool {
        if let element {
            if let current = unknownSets[field]?[element], current.stamp >= stamp { return false }
            unknownSets[field, default: [:]][element] = Stamped(stamp: stamp, value: Self.presence(value))
        } else {
            if let current = unknownScalars[field], current.stamp >= stamp { return false }
            unknownScalars[field] = Stamped(stamp: stamp, value: value)
        }
        exists = true
        return true
    }

    private static func presence(_ value: FieldValue) -> Bool {
        if case .bool(let flag) = value { return flag }
        return value != .null
    }

    @discardableResult
    public mutating func apply(_ change: Change) -> Bool {
        apply(stamp: change.stamp, field: change.field, element: change.element, value: change.value)
    }

    /// Deleted and restored are writes of `_deleted`; an edit of another field never changes it,
    /// so a concurrent edit cannot resurrect a deleted record (and its value awaits a restore).
    public var isDeleted: Bool { deletion?.value == .bool(true) }

    /// The winning write of a scalar field (or of `_deleted`), if any.
    public func stamped(_ field: String) -> Stamped<FieldValue>? {
        if field == Change.deletedField { return deletion }
        guard let position = RecordSchema.of(id.kind).position(of: field) else { return unknownScalars[field] }
        return scalars.isEmpty ? nil : scalars[position].map { Stamped(stamp: $0.stamp, value: $0.value) }
    }

    /// The winning write of one element's flag in a set field, if any.
    public func stampedElement(_ field: String, _ element: String) -> Stamped<Bool>? {
        guard let position = RecordSchema.of(id.kind).position(of: field) else { return unknownSets[field]?[element] }
        return elementFlags.isEmpty ? nil : elementFlags[position][element]
    }

    public func value(of field: String) -> FieldValue { stamped(field)?.value ?? .null }

    /// The value of the schema field at `position`.
    public func value(at position: Int) -> FieldValue { scalars.isEmpty ? .null : scalars[position]?.value ?? .null }

    /// Present elements of a set field, sorted by UTF-8 bytes.
    public func elements(of field: String) -> [String] {
        guard let position = RecordSchema.of(id.kind).position(of: field) else { return Self.present(unknownSets[field] ?? [:]) }
        return elements(at: position)
    }

    /// Present elements of the schema's set field at `position`, sorted by UTF-8 bytes.
    public func elements(at position: Int) -> [String] { elementFlags.isEmpty ? [] : Self.present(elementFlags[position]) }

    private static func present(_ flags: [String: Stamped<Bool>]) -> [String] {
        flags.filter(\.value.value).map(\.key).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The record in its interchange form: `id`, `owner`, every field of the schema (null or an
    /// empty list when unset), fields unknown to this version as written, and `contributor` for
    /// ALERT entries. `deleted` appears only when true and asked for.
    public func json(includeDeletedFlag: Bool = false) -> JSONValue {
        let schema = RecordSchema.of(id.kind)
        // Sized once: `list --as-of` builds one of these per record.
        var members: [String: JSONValue] = Dictionary(minimumCapacity: schema.fields.count + 4 + unknownScalars.count + unknownSets.count)
        members["id"] = .string(id.rawValue)
        members["owner"] = .string(id.owner.rawValue)
        if id.kind == .alertUpload { members["contributor"] = .string(id.owner.rawValue) }
        for (position, spec) in schema.fields.enumerated() {
            members[spec.name] = spec.type.isSet ? .array(elements(at: position).map { .string($0) }) : value(at: position).json
        }
        for (field, stamped) in unknownScalars { members[field] = stamped.value.json }
        for (field, flags) in unknownSets { members[field] = .array(Self.present(flags).map { .string($0) }) }
        if includeDeletedFlag && isDeleted { members["deleted"] = .bool(true) }
        return .object(members)
    }
}
