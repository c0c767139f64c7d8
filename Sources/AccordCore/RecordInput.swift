/// One record as given by a user (a JSON Lines object, a CSV row, `--json` or `--set`), checked
/// and normalised against its collection's schema.
public struct ValidatedRecord: Sendable, Hashable {
    public var id: RecordID
    /// Only the fields the input mentioned: an absent key or CSV column leaves a field as it is.
    public var fields: [String: NormalizedField]

    public init(id: RecordID, fields: [String: NormalizedField]) {
        self.id = id
        self.fields = fields
    }
}

/// Every problem found in one record.
public struct FieldProblems: Error, Sendable, Hashable {
    public var problems: [FieldProblem]
}

/// How a record gets its id when the input has none.
public enum IDAssignment: Sendable {
    /// From the natural key, so re-importing a file finds the same records (import).
    case natural
    /// A fresh random id (ALERT entries still use contributor and domain) (add).
    case random
}

public enum RecordInput {
    /// Validates `input` as a record of `kind` written by `office`. Returns every problem found,
    /// not just the first, so a user can fix a row in one go.
    public static func validate(_ input: [String: JSONValue], kind: RecordKind, office: OfficeCode,
                                assignment: IDAssignment) -> Result<ValidatedRecord, FieldProblems> {
        let schema = RecordSchema.of(kind)
        var problems: [FieldProblem] = []
        var fields = [String: NormalizedField](minimumCapacity: input.count)

        var owner = office
        var ownerGiven: String?
        let ownerKey = kind == .alertUpload ? "contributor" : "owner"
        for key in ["owner", "contributor"] where input[key] != nil && input[key] != .null {
            guard key == ownerKey || (kind == .alertUpload && key == "owner") else {
                problems.append(FieldProblem(field: key, message: "unknown field for \(kind.rawValue)"))
                continue
            }
            guard case .string(let text)? = input[key], let code = OfficeCode(Text.clean(text).uppercased()) else {
                problems.append(FieldProblem(field: key, message: "\(input[key]!.serialized) is not an office code (ISO 3166-1 alpha-2 or WIPO)"))
                continue
            }
            if kind == .alertUpload && code.isSecretariat {
                problems.append(FieldProblem(field: key, message: "WIPO does not contribute ALERT entries; the contributor is the listing office's ISO 3166-1 alpha-2 code"))
                continue
            }
            // For ALERT entries `owner` and `contributor` are one thing: two values are ambiguous.
            if let earlier = ownerGiven, code != owner {
                problems.append(FieldProblem(field: key, message: "\(code) differs from \(earlier) \(owner); they name the same office"))
                continue
            }
            owner = code
            ownerGiven = key
        }

        for (key, value) in input where key != "id" && key != "owner" && key != "contributor" {
            guard let spec = schema.field(named: key) else {
                problems.append(FieldProblem(field: key, message: "unknown field for \(kind.rawValue)"))
                continue
            }
            switch FieldValidation.normalize(value, as: spec) {
            case .success(let normalized): fields[key] = normalized
            case .failure(let problem): problems.append(problem)
            }
        }
        problems.append(contentsOf: checkDateOrder(schema: schema, fields: fields, existing: nil))

        var id: RecordID?
        if let given = input["id"], given != .null {
            if case .string(let text) = given, let parsed = RecordID(text) {
                if parsed.kind != kind {
                    problems.append(FieldProblem(field: "id", message: "\(text) is a \(parsed.kind.rawValue) id, not \(kind.rawValue)"))
                } else if parsed.owner != owner {
                    problems.append(FieldProblem(field: "id", message: "\(text) belongs to \(parsed.owner), but the record's owner is \(owner)"))
                }
                id = parsed
            } else {
                problems.append(FieldProblem(field: "id", message: "\(given.serialized) is not a record id (like \(kind.idPrefix)-KE-abc123)"))
            }
        }
        if let id, let problem = identityProblem(id: id, fields: fields) {
            problems.append(FieldProblem(field: "id", message: problem.message))
        }
        for spec in schema.fields where spec.required && fields[spec.name] == nil && id == nil {
            if !problems.contains(where: { $0.field == spec.name }) {
                problems.append(FieldProblem(field: spec.name, message: "is required"))
            }
        }
        guard problems.isEmpty else { return .failure(FieldProblems(problems: problems.sorted { $0.field < $1.field })) }
        return .success(ValidatedRecord(id: id ?? assignID(kind: kind, owner: owner, fields: fields, assignment: assignment), fields: fields))
    }

    /// An ALERT entry is identified by its contributor and normalised domain, so its `domain`
    /// can never differ from the one its id was derived from: a changed domain would leave two
    /// entries for one site once that site is listed again. Names the `domain` field.
    public static func identityProblem(id: RecordID, fields: [String: NormalizedField]) -> FieldProblem? {
        guard id.kind == .alertUpload, case .scalar(.string(let domain))? = fields["domain"] else { return nil }
        let derived = RecordID.alert(contributor: id.owner, normalizedDomain: domain)
        guard derived != id else { return nil }
        return FieldProblem(field: "domain", message: "\(domain) is not the domain of \(id) (an ALERT entry is identified by its contributor and domain; list \(domain) as its own entry, \(derived))")
    }

    /// Checks "end not before start" style rules, looking at the existing record for a date the
    /// input does not mention.
    public static func checkDateOrder(schema: RecordSchema, fields: [String: NormalizedField],
                                      existing: RecordState?) -> [FieldProblem] {
        schema.dateOrder.compactMap { pair in
            func date(_ name: String) -> String? {
                if let given = fields[name] {
                    if case .scalar(.string(let text)) = given { return text }
                    return nil
                }
                return existing?.value(of: name).stringValue
            }
            guard fields[pair.earlier] != nil || fields[pair.later] != nil,
                  let earlier = date(pair.earlier), let later = date(pair.later), later < earlier else { return nil }
            return FieldProblem(field: pair.later, message: "\(later) is before \(pair.earlier) \(earlier)")
        }
    }

    static func assignID(kind: RecordKind, owner: OfficeCode, fields: [String: NormalizedField],
                         assignment: IDAssignment) -> RecordID {
        func text(_ name: String) -> String {
            switch fields[name] {
            case .scalar(let value)?: value == .null ? "" : value.description
            case .set(let items)?: items.joined(separator: ";")
            case nil: ""
            }
        }
        switch (kind, assignment) {
        case (.alertUpload, _):
            return RecordID.alert(contributor: owner, normalizedDomain: text("domain"))
        case (_, .random), (.replica, _):
            // Registry records are written by the hub under the replica's own id
            // (`RecordID.registry`); one made here fails `ChangeCheck` and is refused.
            return RecordID.random(kind: kind, owner: owner)
        case (.activity, .natural):
            return RecordID.derived(kind: kind, owner: owner, key: ["title", "start_date", "city"].map(text))
        case (.trainingVariant, .natural):
            return RecordID.derived(kind: kind, owner: owner,
                                    key: ["material", "variant_kind", "language", "jurisdiction", "format", "year"].map(text))
        }
    }

    /// The writes that bring `existing` (nil for a new record) to the validated values: only
    /// fields whose value differs, and for sets only the elements that change, so re-importing
    /// the same file writes nothing.
    public static func writes(for record: ValidatedRecord, existing: RecordState?) -> [FieldWrite] {
        var writes: [FieldWrite] = []
        let schema = RecordSchema.of(record.id.kind)
        for spec in schema.fields {
            guard let field = record.fields[spec.name] else { continue }
            switch field {
            case .scalar(let value):
                let current = existing?.value(of: spec.name) ?? .null
                if current != value || (existing?.stamped(spec.name) == nil && value != .null) {
                    writes.append(FieldWrite(field: spec.name, value: value))
                }
            case .set(let elements):
                let current = Set(existing?.elements(of: spec.name) ?? [])
                let wanted = Set(elements)
                for element in elements where !current.contains(element) {
                    writes.append(FieldWrite(field: spec.name, element: element, value: .bool(true)))
                }
                for element in current.sorted() where !wanted.contains(element) {
                    writes.append(FieldWrite(field: spec.name, element: element, value: .bool(false)))
                }
            }
        }
        return writes
    }
}

/// One field (or set element) a local command writes; the store turns it into a `Change`.
public struct FieldWrite: Sendable, Hashable {
    public var field: String
    public var element: String?
    public var value: FieldValue

    public init(field: String, element: String? = nil, value: FieldValue) {
        self.field = field
        self.element = element
        self.value = value
    }
}
