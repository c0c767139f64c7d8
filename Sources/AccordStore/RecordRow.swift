import AccordCore
import GRDB

/// Converts between a merged `RecordState` and its row in a collection table.
enum RecordRow {
    /// Column values in the order of `ReplicaSQL.storedColumns(of:)`: what `verify` compares.
    static func values(of state: RecordState) -> [FieldValueColumn] {
        var values = ColumnValues()
        var stamps = ByteWriter()
        bind(state, into: &values, stamps: &stamps)
        return values.values
    }

    /// The query `storedState` runs, prepared for records of `kind`.
    static func stateQuery(_ kind: RecordKind, in db: Database) throws -> RawStatement {
        try RawStatement(db, sql: stateSQL[kind]!)
    }

    /// The record's state as its row holds it (its stamps, with the values of its scalar fields
    /// from their columns), or nil when it has no row; `query` is `stateQuery` of its kind.
    static func storedState(of id: RecordID, query: inout RawStatement) throws -> RecordState? {
        defer { query.reset() }
        query.bind(id.rawValue)
        return try query.next() ? state(in: query, id: id) : nil
    }

    private static let stateSQL = Dictionary(uniqueKeysWithValues: RecordKind.allCases.map { kind in
        (kind, "SELECT \(ReplicaSQL.stampsColumn), " + RecordSchema.of(kind).fields.map(\.name).joined(separator: ", ") + " FROM \(kind.rawValue) WHERE id = ?")
    })

    private static func state(in rows: RawStatement, id: RecordID) throws -> RecordState {
        do {
            return try RecordStamps.decode(rows.blob(at: 0), id: id) { position in
                switch rows.column(at: Int32(position + 1)) {
                case .int(let number): .int(number)
                case .text(let text): .string(text)
                default: .null
                }
            }
        } catch {
            throw DatabaseError(message: "\(id.kind.rawValue).\(ReplicaSQL.stampsColumn) of \(id) cannot be read (\(error)): run `accord verify`, then `accord rebuild`")
        }
    }

    /// Hands the row's values to `columns` (`upsertSQL`'s parameters), in the order of
    /// `ReplicaSQL.storedColumns(of:)`; `stamps` is scratch space, reused from row to row.
    /// Generic rather than a closure over an enum of values: the insert thread of a large import
    /// binds every column of every record straight from its state.
    static func bind(_ state: RecordState, into columns: inout some ColumnSink, stamps: inout ByteWriter) {
        let kind = state.id.kind
        columns.bind(state.id.rawValue)
        columns.bind(state.id.owner.rawValue)
        if kind == .alertUpload { columns.bind(state.id.owner.rawValue) }
        columns.bind(Int64(state.isDeleted ? 1 : 0))
        for (position, spec) in RecordSchema.of(kind).fields.enumerated() {
            if spec.type.isSet {
                let elements = state.elements(at: position)
                columns.bind(elements.isEmpty ? "[]" : JSONValue.array(elements.map { .string($0) }).serialized)
                continue
            }
            switch state.value(at: position) {
            case .null: columns.bind(nil as Int64?)
            case .int(let number): columns.bind(number)
            case .string(let text): columns.bind(text)
            case .bool(let flag): columns.bind(Int64(flag ? 1 : 0))
            }
        }
        if state.unknownScalars.isEmpty && state.unknownSets.isEmpty {
            columns.bind(nil as String?)
        } else {
            var extra: [String: JSONValue] = [:]
            for (field, stamped) in state.unknownScalars { extra[field] = stamped.value.json }
            for field in state.unknownSets.keys { extra[field] = .array(state.elements(of: field).map { .string($0) }) }
            columns.bind(JSONValue.object(extra).serialized)
        }
        stamps.removeAll()
        RecordStamps.encode(state, into: &stamps)
        columns.bind(stamps.bytes)
    }

    static func upsertSQL(_ kind: RecordKind) -> String {
        let columns = ReplicaSQL.storedColumns(of: kind)
        return "INSERT OR REPLACE INTO \(kind.rawValue) (\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
    }

    /// The interchange JSON of a table row: the same document `RecordState.json` gives.
    static func json(_ row: Row, kind: RecordKind, includeDeletedFlag: Bool) -> JSONValue {
        var members: [String: JSONValue] = [:]
        let id: String = row["id"]
        let owner: String = row["owner"]
        members["id"] = .string(id)
        members["owner"] = .string(owner)
        if kind == .alertUpload { members["contributor"] = .string(owner) }
        for spec in RecordSchema.of(kind).fields {
            let value = row[spec.name] as DatabaseValue
            switch value.storage {
            case .null: members[spec.name] = .null
            case .int64(let number): members[spec.name] = .int(number)
            case .string(let text):
                if spec.type.isSet, let parsed = try? JSONValue.parse(text) { members[spec.name] = parsed } else { members[spec.name] = .string(text) }
            case .double(let number): members[spec.name] = .number(String(number))
            case .blob: members[spec.name] = .null
            }
        }
        if let extra = row["extra"] as String?, case .object(let fields)? = try? JSONValue.parse(extra) {
            for (key, value) in fields { members[key] = value }
        }
        if includeDeletedFlag, (row["deleted"] as Int64?) == 1 { members["deleted"] = .bool(true) }
        return .object(members)
    }
}

/// Where `RecordRow` puts a row's column values, one after another: a statement's parameters
/// (`ArenaBinding`), or a list of values to compare.
protocol ColumnSink {
    mutating func bind(_ text: String?)
    mutating func bind(_ number: Int64?)
    mutating func bind(_ bytes: [UInt8]?)
}

/// A row's values as stored (`RecordRow.values(of:)`).
private struct ColumnValues: ColumnSink {
    var values: [FieldValueColumn] = []
    mutating func bind(_ text: String?) { values.append(text.map { .text($0) } ?? .null) }
    mutating func bind(_ number: Int64?) { values.append(number.map { .int($0) } ?? .null) }
    mutating func bind(_ bytes: [UInt8]?) { values.append(bytes.map { .blob($0) } ?? .null) }
}
