import AccordCore
import Foundation
import Testing

/// `schemas/` is the contract other implementations read; the code generates the same text,
/// and `accord schema` prints it. Any drift between the two fails here.
@Suite("accord: schema files agree with the code")
struct CLISchemaAgreementTests {
    private static let schemas = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("schemas")

    private func file(_ name: String) throws -> String {
        try String(contentsOf: Self.schemas.appendingPathComponent(name), encoding: .utf8)
    }

    @Test func replicaSQLEqualsAccordSchemaSQL() throws {
        let sandbox = try CLISandbox()
        let printed = try sandbox.ok(["schema", "sql"]).stdout
        #expect(printed == (try file("replica.sql")))
    }

    @Test(arguments: RecordKind.allCases)
    func jsonSchemaFileEqualsAccordSchemaJSON(kind: RecordKind) throws {
        let sandbox = try CLISandbox()
        let printed = try sandbox.ok(["schema", "json", kind.rawValue]).stdout
        #expect(printed == (try file("\(kind.rawValue).schema.json")))
        // And it is a JSON Schema of exactly this kind's fields.
        let schema = try JSONValue.parse(printed)
        guard case .object(let properties)? = schema["properties"] else {
            Issue.record("no properties")
            return
        }
        let expected = Set(["id", "owner"] + (kind == .alertUpload ? ["contributor"] : []) + RecordSchema.of(kind).fields.map(\.name))
        #expect(Set(properties.keys) == expected)
        #expect(schema["required"] == .array(RecordSchema.of(kind).fields.filter(\.required).map { .string($0.name) }))
        #expect(schema["additionalProperties"] == .bool(false))
    }

    /// An unknown request fails instead of printing some other schema.
    @Test func schemaCommandRefusesUnknownArguments() throws {
        let sandbox = try CLISandbox()
        try sandbox.fails(["schema", "xml"])
        try sandbox.fails(["schema", "json"])
        try sandbox.fails(["schema", "json", "invoice"])
    }
}
