import AccordCore
import Foundation
import GRDB
import GRDBSQLite

/// Binds and steps a prepared statement through the SQLite C API. The write path inserts one
/// log row and one collection row per record; building GRDB `StatementArguments` for each costs
/// a quarter of the SQLite work itself (see BENCHMARKS.md), so the hot path binds directly.
struct RawStatement {
    private let statement: Statement
    private var handle: OpaquePointer { statement.sqliteStatement }
    private var position: Int32 = 0

    /// SQLite copies the bytes before `bind` returns (SQLITE_TRANSIENT).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ db: Database, sql: String) throws {
        statement = try db.cachedStatement(sql: sql)
    }

    mutating func bind(_ text: String?) {
        position += 1
        guard let text else { sqlite3_bind_null(handle, position); return }
        text.withUTF8Bytes { utf8 in
            _ = sqlite3_bind_text(handle, position, UnsafeRawPointer(utf8.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self),
                                  Int32(utf8.count), RawStatement.transient)
        }
    }

    mutating func bind(_ number: Int64?) {
        position += 1
        guard let number else { sqlite3_bind_null(handle, position); return }
        sqlite3_bind_int64(handle, position, number)
    }

    mutating func bind(_ bytes: [UInt8]?) {
        position += 1
        guard let bytes else { sqlite3_bind_null(handle, position); return }
        bytes.withUnsafeBytes { raw in
            _ = sqlite3_bind_blob(handle, position, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(raw.count), RawStatement.transient)
        }
    }

    /// Binds bytes that SQLite reads where they are (SQLITE_STATIC): they must stay valid until
    /// the statement has been stepped and `clearBindings()` has run (see `BindingArena`).
    mutating func bindStatic(_ bytes: UnsafeRawBufferPointer, asText: Bool) {
        position += 1
        let start = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        if asText {
            sqlite3_bind_text(handle, position, start.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
        } else {
            sqlite3_bind_blob(handle, position, start, Int32(bytes.count), nil)
        }
    }

    /// Sets every parameter back to NULL.
    mutating func clearBindings() {
        sqlite3_clear_bindings(handle)
        position = 0
    }

    /// Binds the 32 bytes of a hash (NULL for nil) without building an array.
    mutating func bind(_ hash: ChangeHash?) {
        position += 1
        guard let hash else { sqlite3_bind_null(handle, position); return }
        hash.withBytes { raw in _ = sqlite3_bind_blob(handle, position, raw.baseAddress, Int32(raw.count), RawStatement.transient) }
    }

    /// Steps a query: true while a row is available (read it with the column accessors), false at
    /// the end, after which the statement is reset for the next bindings.
    mutating func next() throws -> Bool {
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return true }
        sqlite3_reset(handle)
        position = 0
        guard code == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(handle)))
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
        return false
    }

    /// Resets the statement after a loop over `next()` that stopped early, so that its next use
    /// starts afresh.
    mutating func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        position = 0
    }

    func int64(at column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func isNull(at column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func text(at column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// A collection column as stored; nil for a type Accord never stores (REAL).
    func column(at column: Int32) -> FieldValueColumn? {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_NULL: .null
        case SQLITE_INTEGER: .int(int64(at: column))
        case SQLITE_TEXT: .text(text(at: column))
        case SQLITE_BLOB: .blob(blob(at: column))
        default: nil
        }
    }

    func blob(at column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Runs the statement to completion and readies it for the next bindings.
    mutating func execute() throws {
        defer {
            sqlite3_reset(handle)
            position = 0
        }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE || code == SQLITE_ROW else {
            let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(handle)))
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
    }
}

/// A collection column's value as stored.
enum FieldValueColumn: Equatable, CustomStringConvertible {
    case null
    case int(Int64)
    case text(String)
    case blob([UInt8])

    var description: String {
        switch self {
        case .null: "NULL"
        case .int(let number): String(number)
        case .text(let text): "'\(text)'"
        case .blob(let bytes): "x'\(Hex.string(bytes))'"
        }
    }
}
