import AccordCore
import AccordStore
import ArgumentParser
import Foundation

struct AddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add one record, given as a JSON object of its fields.",
        discussion: """
            Example:
              accord add alert_upload --json '{"domain": "example-stream.tv", "kind": "website", "category": "streaming", "status": "online", "listed_on": "2026-11-20"}'
              accord add activity --json '{"title": "国家讲习班", "kind": "workshop", "start_date": "2026-03-02"}'
            Prints the new record's id.
            """
    )

    @OptionGroup var database: DatabaseOption
    @Argument(help: "activity, training_variant or alert_upload.") var kind: RecordKind
    @Option(help: "The record's fields as a JSON object.") var json: String

    func run() throws {
        let store = try database.open()
        guard case .object(let fields) = try parseJSONArgument(json) else { throw CLIError("--json must be a JSON object of fields") }
        let record: ValidatedRecord
        switch RecordInput.validate(fields, kind: kind, office: store.identity.office, assignment: .random) {
        case .success(let valid): record = valid
        case .failure(let failure): throw StoreError.invalid(record: "--json", problems: failure.problems)
        }
        _ = try store.commit { transaction in
            if let existing = try transaction.record(record.id) {
                throw CLIError("\(record.id) already exists\(existing.isDeleted ? " (deleted: `accord restore \(record.id)`)" : ""); change it with `accord edit \(record.id) --set field=value`")
            }
            try transaction.write(record.id, RecordInput.writes(for: record, existing: nil))
        }
        print(record.id)
    }
}

struct EditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Change fields of a record.",
        discussion: """
            --set replaces a field (an empty value clears it; a set field takes items separated by ';'),
            --add and --remove change one element of a set field.
            Example:
              accord edit alert-KE-3j8f1q0c6w2m9t4b --set status=offline --set removed_on=2026-11-24
              accord edit act-WIPO-k2j4h5g6f7d8s9a0 --add audience=judges --remove organizers="Old Partner"
            """
    )

    @OptionGroup var database: DatabaseOption
    @Argument(help: "The record id.") var id: String
    @Option(name: .customLong("set"), help: ArgumentHelp("field=value", valueName: "field=value")) var assignments: [String] = []
    @Option(name: .customLong("add"), help: ArgumentHelp("Add an element to a set field.", valueName: "field=element")) var additions: [String] = []
    @Option(name: .customLong("remove"), help: ArgumentHelp("Remove an element from a set field.", valueName: "field=element")) var removals: [String] = []

    func run() throws {
        let recordID = try parseRecordID(id)
        guard !(assignments.isEmpty && additions.isEmpty && removals.isEmpty) else {
            throw CLIError("nothing to change: give --set field=value, --add field=element or --remove field=element")
        }
        let store = try database.open()
        let schema = RecordSchema.of(recordID.kind)
        func split(_ text: String, option: String) throws -> (FieldSpec, String) {
            guard let equals = text.firstIndex(of: "=") else { throw CLIError("--\(option) \(text): expected field=value") }
            let name = String(text[..<equals])
            guard let spec = schema.field(named: name) else {
                throw CLIError("--\(option) \(text): \(recordID.kind.rawValue) has no field \"\(name)\"; fields: \(schema.fields.map(\.name).joined(separator: ", "))")
            }
            return (spec, String(text[text.index(after: equals)...]))
        }
        var fields: [String: NormalizedField] = [:]
        var problems: [FieldProblem] = []
        for assignment in assignments {
            let (spec, value) = try split(assignment, option: "set")
            switch FieldValidation.normalize(value.isEmpty ? .null : .string(value), as: spec) {
            case .success(let normalized): fields[spec.name] = normalized
            case .failure(let problem): problems.append(problem)
            }
        }
        var elementWrites: [FieldWrite] = []
        for (option, items, present) in [("add", additions, true), ("remove", removals, false)] {
            for item in items {
                let (spec, raw) = try split(item, option: option)
                guard spec.type.isSet else { throw CLIError("--\(option) \(item): \(spec.name) is not a set field; use --set") }
                do {
                    guard let element = try FieldValidation.normalizeElement(raw, type: spec.type, field: spec.name) else {
                        throw CLIError("--\(option) \(item): empty element")
                    }
                    elementWrites.append(FieldWrite(field: spec.name, element: element, value: .bool(present)))
                } catch let problem as FieldProblem { problems.append(problem) }
            }
        }
        if let problem = RecordInput.identityProblem(id: recordID, fields: fields) { problems.append(problem) }
        guard problems.isEmpty else { throw StoreError.invalid(record: recordID.rawValue, problems: problems) }

        let (_, summary) = try store.commit { transaction in
            guard let existing = try transaction.record(recordID) else { throw StoreError.recordNotFound(recordID.rawValue) }
            let dateProblems = RecordInput.checkDateOrder(schema: schema, fields: fields, existing: existing)
            guard dateProblems.isEmpty else { throw StoreError.invalid(record: recordID.rawValue, problems: dateProblems) }
            let writes = RecordInput.writes(for: ValidatedRecord(id: recordID, fields: fields), existing: existing)
                + elementWrites.filter { write in existing.stampedElement(write.field, write.element!)?.value != write.value.asPresence }
            try transaction.write(recordID, writes)
        }
        print(summary.changes == 0 ? "\(recordID): nothing changed" : "\(recordID): \(summary.changes) change(s) written")
    }
}

private extension FieldValue {
    var asPresence: Bool? { if case .bool(let flag) = self { flag } else { nil } }
}

/// Writes the hidden `_deleted` flag: delete sets it, restore clears it.
struct DeletionFlag {
    static func write(_ flag: Bool, id text: String, database: DatabaseOption) throws {
        let id = try parseRecordID(text)
        let store = try database.open()
        _ = try store.commit { transaction in
            guard let existing = try transaction.record(id) else { throw StoreError.recordNotFound(id.rawValue) }
            guard existing.isDeleted != flag else {
                throw CLIError("\(id) is \(flag ? "already deleted" : "not deleted")")
            }
            try transaction.write(id, [FieldWrite(field: Change.deletedField, value: .bool(flag))])
        }
        print("\(id) \(flag ? "deleted (`accord restore \(id)` brings it back)" : "restored")")
    }
}

struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a record (its history stays; `accord restore` undoes it).",
        discussion: "Example:\n  accord delete alert-KE-3j8f1q0c6w2m9t4b")
    @OptionGroup var database: DatabaseOption
    @Argument(help: "The record id.") var id: String
    func run() throws { try DeletionFlag.write(true, id: id, database: database) }
}

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Restore a deleted record, with every value it had (and edits made meanwhile).",
        discussion: "Example:\n  accord restore alert-KE-3j8f1q0c6w2m9t4b")
    @OptionGroup var database: DatabaseOption
    @Argument(help: "The record id.") var id: String
    func run() throws { try DeletionFlag.write(false, id: id, database: database) }
}

func parseJSONArgument(_ text: String) throws -> JSONValue {
    do { return try JSONValue.parse(text) } catch { throw CLIError("--json: \(error.description)") }
}
