import AccordCore
import Foundation

/// What an import did.
public struct ImportReport: Sendable, Hashable {
    public var rows = 0
    public var created = 0
    public var updated = 0
    public var unchanged = 0
    public var changes = 0
}

/// Why an import wrote nothing: every problem found, by line.
public struct ImportFailure: Error, Sendable, CustomStringConvertible {
    public var problems: [RecordFileProblem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

extension ReplicaStore {
    /// Imports a CSV or JSON Lines file of one collection atomically: either every row is valid
    /// and all are written in one transaction, or nothing is written and every problem is
    /// reported with its line. Rows without an `id` get one from their natural key, and only
    /// fields that differ from the stored record are written, so importing the same file again
    /// changes nothing.
    public func importRecords(_ kind: RecordKind, bytes: [UInt8], format: RecordFile.Format,
                              progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> ImportReport {
        let (rows, parseProblems) = RecordFile.parse(bytes, format: format)
        var problems = parseProblems
        var records: [(line: Int, record: ValidatedRecord)] = []
        records.reserveCapacity(rows.count)
        var firstLine: [RecordID: Int] = [:]
        for row in rows {
            switch RecordInput.validate(row.fields, kind: kind, office: identity.office, assignment: .natural) {
            case .failure(let failure):
                problems += failure.problems.map { RecordFileProblem(line: row.line, field: $0.field, message: $0.message) }
            case .success(let record):
                if let refusal = Authorization.check(author: identity.author, record: record.id) {
                    // Another office's record: the owner column is at fault. An auditor's row has no field at fault.
                    let field = refusal.rule == "owner-only" ? (kind == .alertUpload ? "contributor" : "owner") : nil
                    problems.append(RecordFileProblem(line: row.line, field: field, message: refusal.message))
                } else if let earlier = firstLine.updateValue(row.line, forKey: record.id) {
                    firstLine[record.id] = earlier
                    problems.append(RecordFileProblem(line: row.line, message: "the same record as line \(earlier) (\(record.id))"))
                } else {
                    records.append((row.line, record))
                }
            }
        }
        guard problems.isEmpty else { throw ImportFailure(problems: problems.sorted { ($0.line, $0.field ?? "") < ($1.line, $1.field ?? "") }) }

        let (report, _) = try commit { transaction in
            var report = ImportReport(rows: records.count)
            try transaction.prefetch(records.map(\.record.id))
            for (index, item) in records.enumerated() {
                let existing = try transaction.record(item.record.id)
                let dateProblems = RecordInput.checkDateOrder(schema: RecordSchema.of(kind), fields: item.record.fields, existing: existing)
                if let problem = dateProblems.first {
                    throw ImportFailure(problems: [RecordFileProblem(line: item.line, field: problem.field, message: problem.message + " (stored record \(item.record.id))")])
                }
                let writes = RecordInput.writes(for: item.record, existing: existing)
                if writes.isEmpty { report.unchanged += 1 } else if existing == nil { report.created += 1 } else { report.updated += 1 }
                report.changes += writes.count
                try transaction.write(item.record.id, writes)
                if let progress, index % 1000 == 999 { progress(index + 1, records.count) }
            }
            return report
        }
        return report
    }
}
