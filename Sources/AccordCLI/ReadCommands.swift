import AccordCore
import AccordStore
import ArgumentParser
import Foundation

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the records of a collection.",
        discussion: """
            A table for people; --json prints one JSON document per line (keys sorted, byte for byte
            the same on every replica that has seen the same changes).
            Example:
              accord list alert_upload
              accord list activity --json --as-of 2026-11-01
            """
    )

    @OptionGroup var database: DatabaseOption
    @Argument(help: "activity, training_variant or alert_upload.") var kind: RecordKind
    @Flag(help: "One JSON document per line.") var json = false
    @Option(name: .customLong("as-of"), help: "Show the collection as this replica knew it at an instant (2026-11-25, 2026-11-25T14:30:00Z).") var asOf: String?
    @Flag(help: "Include deleted records (marked \"deleted\": true).") var includeDeleted = false

    func run() throws {
        let store = try database.open()
        let records = try asOf.map { try store.list(kind, asOf: parseInstant($0), includeDeleted: includeDeleted) }
            ?? store.list(kind, includeDeleted: includeDeleted)
        if json {
            var out: [UInt8] = []
            for record in records {
                record.write(to: &out)
                out.append(0x0A)
            }
            FileHandle.standardOutput.write(Data(out))
            return
        }
        let columns: [String] = switch kind {
        case .activity: ["id", "start_date", "kind", "title", "city"]
        case .trainingVariant: ["id", "material", "variant_kind", "language", "year", "status"]
        case .alertUpload: ["id", "domain", "category", "status", "listed_on"]
        case .replica: ["id", "office", "role", "name", "first_seen"]
        }
        print(Table.render(header: columns, rows: records.map { record in columns.map { record[$0].map(Table.cell) ?? "" } }))
        print("\(records.count) record(s)")
    }
}

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one record with all its fields.",
        discussion: "Example:\n  accord show alert-KE-3j8f1q0c6w2m9t4b\n  accord show act-WIPO-k2j4h5g6f7d8s9a0 --json --as-of 2026-06-30"
    )

    @OptionGroup var database: DatabaseOption
    @Argument(help: "The record id.") var id: String
    @Flag(help: "One JSON document.") var json = false
    @Option(name: .customLong("as-of"), help: "The record as this replica knew it at an instant.") var asOf: String?

    func run() throws {
        let recordID = try parseRecordID(id)
        let store = try database.open()
        let state = try asOf.map { try store.record(recordID, asOf: parseInstant($0)) } ?? store.record(recordID)
        guard let state else {
            throw asOf == nil ? StoreError.recordNotFound(id) : CLIError("\(id) did not exist here at \(asOf!)")
        }
        let document = state.json(includeDeletedFlag: true)
        if json { print(document.serialized); return }
        guard case .object(let members) = document else { return }
        let order = ["id", "owner"] + (recordID.kind == .alertUpload ? ["contributor"] : []) + RecordSchema.of(recordID.kind).fields.map(\.name)
        let keys = order.filter { members[$0] != nil } + members.keys.filter { !order.contains($0) }.sorted()
        let width = keys.map(\.count).max() ?? 0
        for key in keys {
            print(key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + Table.cell(members[key]!))
        }
    }
}

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Every change to a record (or one field): value, time, author, and which value won.",
        discussion: "Example:\n  accord history alert-KE-3j8f1q0c6w2m9t4b --field status"
    )

    @OptionGroup var database: DatabaseOption
    @Argument(help: "The record id.") var id: String
    @Option(help: "Only this field.") var field: String?
    @Flag(help: "One JSON document per change.") var json = false

    func run() throws {
        let recordID = try parseRecordID(id)
        let store = try database.open()
        let changes = try store.history(of: recordID, field: field)
        guard !changes.isEmpty else {
            throw field == nil ? StoreError.recordNotFound(id) : CLIError("\(id) has no changes to field \"\(field!)\"")
        }
        let current = try store.record(recordID)
        for logged in changes {
            let change = logged.change
            let won: Bool = {
                guard let current else { return false }
                if let element = change.element { return current.stampedElement(change.field, element)?.stamp == change.stamp }
                return current.stamped(change.field)?.stamp == change.stamp
            }()
            if json {
                var document = LogLine.json(logged)
                if case .object(var members) = document { members["winner"] = .bool(won); document = .object(members) }
                print(document.serialized)
                continue
            }
            let target = change.element.map { "\(change.field)[\($0)]" } ?? change.field
            let shown: String = change.element != nil ? (change.value == .bool(true) ? "added" : "removed") : "= \(change.value.json.serialized)"
            let who = logged.authorInfo.map { "\($0.author.office)/\($0.name ?? "?")" } ?? "?"
            print("\(change.hlc)  \(target) \(shown)  by \(who) (replica \(change.author), seq \(change.seq))\(won ? "  ← current" : "")")
        }
    }
}

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Export the change log, one change per line.",
        discussion: "Example:\n  accord log --json > changes.jsonl\n  accord log --json --replica 3f9a0c1d2e4b5a69 --since 2026-11-01"
    )

    @OptionGroup var database: DatabaseOption
    @Flag(help: "One JSON document per change (the only format for now).") var json = false
    @Option(help: "Only changes by this replica id.") var replica: String?
    @Option(help: "Only changes stamped at or after this instant.") var since: String?

    func run() throws {
        let store = try database.open()
        let author = try replica.map { text in
            guard let id = ReplicaID(text) else { throw CLIError("--replica \(text): a replica id is 16 hex digits") }
            return id
        }
        let from = try since.map(parseInstant)
        var out: [UInt8] = []
        try store.forEachChange { logged in
            if let author, logged.change.author != author { return }
            if let from, logged.change.hlc.millis < from { return }
            LogLine.json(logged).write(to: &out)
            out.append(0x0A)
            if out.count > 1 << 20 {
                FileHandle.standardOutput.write(Data(out))
                out.removeAll(keepingCapacity: true)
            }
        }
        FileHandle.standardOutput.write(Data(out))
    }
}

/// The JSON form of one logged change, shared by `log` and `history`.
enum LogLine {
    static func json(_ logged: LoggedChange) -> JSONValue {
        let change = logged.change
        var members: [String: JSONValue] = [
            "author": .string(change.author.rawValue), "seq": .int(Int64(change.seq)),
            "hlc": .string(change.hlc.description), "hlc_raw": .int(Int64(bitPattern: change.hlc.rawValue)),
            "record": .string(change.record.rawValue), "field": .string(change.field),
            "element": change.element.map { .string($0) } ?? .null, "value": change.value.json,
            "prev_hash": change.previousHash.map { .string($0.hex) } ?? .null, "hash": .string(logged.hash.hex),
            "received": .string(Timestamp.iso8601(millis: logged.receivedMillis)),
        ]
        if let signature = logged.signature { members["signature"] = .string(Hex.string(signature)) }
        if let info = logged.authorInfo {
            members["office"] = .string(info.author.office.rawValue)
            members["role"] = .string(info.author.role.rawValue)
            members["replica_name"] = info.name.map { .string($0) } ?? .null
        }
        return .object(members)
    }
}

struct RebuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Recreate the collection tables from the change log (the result is identical).",
        discussion: "Example:\n  accord rebuild --db ke.accord"
    )
    @OptionGroup var database: DatabaseOption

    func run() throws {
        let store = try database.open()
        try store.rebuild()
        let counts = try RecordKind.allCases.map { "\(try store.list($0).count) \($0.rawValue)" }
        print("rebuilt from the log: " + counts.joined(separator: ", "))
    }
}

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the contract files of schemas/: the replica's SQL or a collection's JSON Schema.",
        discussion: "Example:\n  accord schema sql\n  accord schema json alert_upload"
    )
    @Argument(help: "sql, or json") var what: String = "sql"
    @Argument(help: "With json: activity, training_variant or alert_upload.") var kind: RecordKind?

    func run() throws {
        switch (what, kind) {
        case ("sql", nil): print(ReplicaSQL.script, terminator: "")
        case ("json", let kind?): print(JSONSchemaDocument.make(for: kind).prettyPrinted)
        default: throw CLIError("try `accord schema sql` or `accord schema json KIND`")
        }
    }
}

/// Plain-text tables for people.
enum Table {
    static func cell(_ value: JSONValue) -> String {
        switch value {
        case .null: ""
        case .string(let text): text
        case .array(let items): items.map(cell).joined(separator: "; ")
        default: value.serialized
        }
    }

    static func render(header: [String], rows: [[String]]) -> String {
        let limit = 48
        let clipped = rows.map { $0.map { $0.count > limit ? String($0.prefix(limit - 1)) + "…" : $0 } }
        let widths = header.indices.map { column in ([header[column]] + clipped.map { $0[column] }).map(displayWidth).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0 + String(repeating: " ", count: $1 - displayWidth($0)) }.joined(separator: "  ")
        }
        return ([line(header)] + clipped.map(line)).joined(separator: "\n")
    }

    /// East Asian wide characters take two columns in a terminal.
    static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { width, scalar in
            let value = scalar.value
            let wide = (0x1100...0x115F).contains(value) || (0x2E80...0xA4CF).contains(value) || (0xAC00...0xD7A3).contains(value)
                || (0xF900...0xFAFF).contains(value) || (0xFE30...0xFE4F).contains(value) || (0xFF00...0xFF60).contains(value)
                || (0xFFE0...0xFFE6).contains(value) || (0x20000...0x3FFFD).contains(value)
            return width + (scalar.properties.generalCategory == .nonspacingMark ? 0 : wide ? 2 : 1)
        }
    }
}
