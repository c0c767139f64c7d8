/// The JSON Schema (draft 2020-12) of a collection's interchange form, generated from
/// `RecordSchema` so that `schemas/*.schema.json` and the code cannot disagree (a test compares
/// the committed files with this output; `accord schema json KIND` prints it).
public enum JSONSchemaDocument {
    public static func make(for kind: RecordKind) -> JSONValue {
        let schema = RecordSchema.of(kind)
        let idPattern = "^\(kind.idPrefix)-([A-Z]{2}|WIPO)-[0-9a-z]{1,64}$"
        let office: JSONValue = .object(["type": .string("string"), "pattern": .string("^([A-Z]{2}|WIPO)$"),
                                         "description": .string("ISO 3166-1 alpha-2 office code, or WIPO for the secretariat")])
        var properties: [String: JSONValue] = [
            "id": .object(["type": .string("string"), "pattern": .string(idPattern),
                           "description": .string("Assigned by the importing replica when absent")]),
            "owner": office,
        ]
        if kind == .alertUpload {
            properties["contributor"] = .object(["type": .string("string"), "pattern": .string("^[A-Z]{2}$"),
                                                 "description": .string("The contributing office; it is the owner")])
        }
        for spec in schema.fields { properties[spec.name] = property(spec) }
        return .object([
            "$schema": .string("https://json-schema.org/draft/2020-12/schema"),
            "$id": .string("https://accord.invalid/schemas/\(kind.rawValue).schema.json"),
            "title": .string(kind.rawValue),
            "description": .string("One \(kind.rawValue) record in its interchange form (a JSON Lines object; CSV uses the same names as headers). null means not set."),
            "type": .string("object"),
            "properties": .object(properties),
            "required": .array(schema.fields.filter(\.required).map { .string($0.name) }),
            "additionalProperties": .bool(false),
        ])
    }

    static func property(_ spec: FieldSpec) -> JSONValue {
        func nullable(_ members: [String: JSONValue]) -> JSONValue {
            var members = members
            if !spec.required, case .string(let type)? = members["type"] { members["type"] = .array([.string(type), .string("null")]) }
            return .object(members)
        }
        switch spec.type {
        case .text: return nullable(["type": .string("string")])
        case .choice(let options):
            return .object(["enum": .array(options.map { .string($0) } + (spec.required ? [] : [.null]))])
        case .country: return nullable(["type": .string("string"), "pattern": .string("^[A-Z]{2}$"), "description": .string("ISO 3166-1 alpha-2")])
        case .date: return nullable(["type": .string("string"), "format": .string("date"), "pattern": .string("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")])
        case .count: return nullable(["type": .string("integer"), "minimum": .int(0)])
        case .year: return nullable(["type": .string("integer"), "minimum": .int(1900), "maximum": .int(2999)])
        case .language: return nullable(["type": .string("string"), "pattern": .string("^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"), "description": .string("BCP 47 language tag")])
        case .domain: return nullable(["type": .string("string"), "description": .string("Domain (Unicode or punycode) or app identifier; stored lowercase, NFC, Unicode form, without scheme, path or trailing dot")])
        case .jurisdiction: return nullable(["type": .string("string"), "description": .string("ISO 3166-1 alpha-2 code or a region name such as ASEAN")])
        case .office: return nullable(["type": .string("string"), "pattern": .string("^([A-Z]{2}|WIPO)$"), "description": .string("ISO 3166-1 alpha-2 or WIPO")])
        case .hex(let count): return nullable(["type": .string("string"), "pattern": .string("^[0-9a-f]{\(count * 2)}$")])
        case .textSet: return set(["type": .string("string")])
        case .countrySet: return set(["type": .string("string"), "pattern": .string("^[A-Z]{2}$")])
        case .tagSet: return set(["type": .string("string"), "pattern": .string("^[\\p{L}\\p{N}_-]+$")])
        }
    }

    static func set(_ item: [String: JSONValue]) -> JSONValue {
        .object(["type": .array([.string("array"), .string("null")]), "items": .object(item), "uniqueItems": .bool(true),
                 "description": .string("A set: each element merges on its own")])
    }
}
