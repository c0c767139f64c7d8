/// One row of an import file: its 1-based line number and its fields by interchange name.
public struct RecordFileRow: Sendable {
    public var line: Int
    public var fields: [String: JSONValue]
}

/// An error in an import file, located by line (and field, where there is one): printed as
/// `FILE:LINE: field: what is wrong`.
public struct RecordFileProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var field: String?
    public var message: String

    public init(line: Int, field: String? = nil, message: String) {
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String { "\(line): " + (field.map { "\($0): " } ?? "") + message }
}

/// Reads CSV (RFC 4180: a header row of field names, quoted cells may hold commas, quotes and
/// line breaks; an empty cell means "not set") and JSON Lines (one object per line; blank lines
/// are skipped). Parsing is pure: the caller reads the file.
public enum RecordFile {
    public enum Format: String, Sendable { case csv, jsonl }

    /// Picks the format from a file name's extension (`.csv`, `.jsonl`, `.ndjson`).
    public static func format(forPath path: String) -> Format? {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return .jsonl }
        return nil
    }

    public static func parse(_ bytes: [UInt8], format: Format) -> (rows: [RecordFileRow], problems: [RecordFileProblem]) {
        var bytes = bytes[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            return ([], [RecordFileProblem(line: firstInvalidUTF8Line(bytes), message: "the file is not valid UTF-8 text")])
        }
        switch format {
        case .csv: return parseCSV(bytes)
        case .jsonl: return parseJSONLines(bytes)
        }
    }

    static func firstInvalidUTF8Line(_ bytes: ArraySlice<UInt8>) -> Int {
        var line = 1
        var start = bytes.startIndex
        for index in bytes.indices where bytes[index] == 0x0A {
            if String(validating: bytes[start..<index], as: UTF8.self) == nil { return line }
            line += 1
            start = index + 1
        }
        return line
    }

    static func parseJSONLines(_ bytes: ArraySlice<UInt8>) -> (rows: [RecordFileRow], problems: [RecordFileProblem]) {
        var rows: [RecordFileRow] = []
        var problems: [RecordFileProblem] = []
        var line = 0
        for lineBytes in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            line += 1
            var content = lineBytes
            if content.last == 0x0D { content = content.dropLast() }
            if content.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            do {
                guard case .object(let fields) = try JSONValue.parse(content) else {
                    problems.append(RecordFileProblem(line: line, message: "expected a JSON object"))
                    continue
                }
                rows.append(RecordFileRow(line: line, fields: fields))
            } catch {
                problems.append(RecordFileProblem(line: line, message: error.description))
            }
        }
        return (rows, problems)
    }

    static func parseCSV(_ bytes: ArraySlice<UInt8>) -> (rows: [RecordFileRow], problems: [RecordFileProblem]) {
        var reader = CSVReader(bytes: bytes)
        var problems: [RecordFileProblem] = []
        guard let header = reader.nextRecord() else { return ([], [RecordFileProblem(line: 1, message: "the file is empty; expected a header row")]) }
        let names = header.cells.map { Text.clean($0) }
        if let duplicate = Dictionary(grouping: names, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            return ([], [RecordFileProblem(line: header.line, message: "column \"\(duplicate)\" appears twice in the header")])
        }
        var rows: [RecordFileRow] = []
        while let record = reader.nextRecord() {
            // A blank line, or a row of empty cells (`,,,` as spreadsheets export below a list).
            if record.cells.allSatisfy(\.isEmpty) { continue }
            guard record.cells.count == names.count else {
                problems.append(RecordFileProblem(line: record.line, message: "\(record.cells.count) cells, but the header has \(names.count) columns"))
                continue
            }
            // Sized once: an import builds one of these per row.
            var fields = [String: JSONValue](minimumCapacity: names.count)
            for (name, cell) in zip(names, record.cells) { fields[name] = cell.isEmpty ? .null : .string(cell) }
            rows.append(RecordFileRow(line: record.line, fields: fields))
        }
        if let error = reader.error { problems.append(error) }
        return (rows, problems)
    }
}

/// A byte-level RFC 4180 reader that remembers the line each record starts on.
struct CSVReader {
    let bytes: ArraySlice<UInt8>
    var index: ArraySlice<UInt8>.Index
    var line = 1
    var error: RecordFileProblem?

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    mutating func nextRecord() -> (line: Int, cells: [String])? {
        guard index < bytes.endIndex, error == nil else { return nil }
        let startLine = line
        var cells: [String] = []
        var cell: [UInt8] = []
        var quoted = false
        var cellStarted = false
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index < bytes.endIndex, bytes[index] == UInt8(ascii: "\"") { cell.append(byte); index += 1 } else { quoted = false }
                } else {
                    if byte == 0x0A { line += 1 }
                    cell.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\"") where !cellStarted:
                quoted = true
                cellStarted = true
            case UInt8(ascii: ","):
                cells.append(String(decoding: cell, as: UTF8.self))
                cell.removeAll(keepingCapacity: true)
                cellStarted = false
            case 0x0A:
                line += 1
                if cell.last == 0x0D { cell.removeLast() }
                cells.append(String(decoding: cell, as: UTF8.self))
                return (startLine, cells)
            default:
                cell.append(byte)
                cellStarted = true
            }
        }
        if quoted {
            error = RecordFileProblem(line: startLine, message: "a quoted cell is never closed")
            return nil
        }
        if cell.last == 0x0D { cell.removeLast() }
        cells.append(String(decoding: cell, as: UTF8.self))
        return (startLine, cells)
    }
}
