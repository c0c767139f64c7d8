import AccordCore
import GRDB

extension ReplicaStore {
    /// Replays the log record by record and compares each table row; returns how many records
    /// the log holds. Each collection is walked in id order beside its replay (a merge join), so
    /// a row missing, added or altered behind Accord's back is found in one pass.
    static func verifyTables(_ db: Database, context: ReadContext, problems: inout ProblemList) throws -> Int {
        var recordCount = 0
        for kind in RecordKind.allCases {
            let columns = ReplicaSQL.storedColumns(of: kind)
            var rows = try RawStatement(db, sql: "SELECT \(columns.joined(separator: ", ")) FROM \(kind.rawValue) ORDER BY id")
            defer { rows.reset() }
            var hasRow = try rows.next()
            /// Reports table rows ordered before `id` (all remaining ones when nil): no change produced them.
            func skipRows(before id: String?) throws {
                while hasRow {
                    let rowID = rows.text(at: 0)
                    if let id, !rowID.utf8.lexicographicallyPrecedes(id.utf8) { return }
                    problems.add(VerificationProblem(rule: "table-extra-row", replica: nil, seq: nil, record: rowID,
                                                     message: "table \(kind.rawValue) has a row that no change in the log produced"))
                    hasRow = try rows.next()
                }
            }
            do {
                try context.forEachRecord(of: kind) { state in
                    recordCount += 1
                    let id = state.id.rawValue
                    try skipRows(before: id)
                    guard hasRow, rows.text(at: 0) == id else {
                        problems.add(VerificationProblem(rule: "table-mismatch", replica: nil, seq: nil, record: id,
                                                         message: "the log holds this record but table \(kind.rawValue) has no row for it"))
                        return
                    }
                    if kind == .replica, let replica = state.id.registeredReplica, case .string(let hex) = state.value(of: "public_key"),
                       let known = context.replicas[replica]?.publicKey, known.hex != hex {
                        problems.add(VerificationProblem(rule: "key-mismatch", replica: replica, seq: nil, record: id,
                                                         message: "accord_replica holds key \(known.hex.prefix(16))… for this replica, but its registry record says \(hex.prefix(16))…"))
                    }
                    for (offset, expected) in RecordRow.values(of: state).enumerated() {
                        let stored = rows.column(at: Int32(offset))
                        guard stored != expected else { continue }
                        problems.add(VerificationProblem(rule: "table-mismatch", replica: nil, seq: nil, record: id,
                                                         message: "column \(kind.rawValue).\(columns[offset]) holds \(stored?.description ?? "a value of another type"), but a replay of the log gives \(expected)"))
                    }
                    hasRow = try rows.next()
                }
            } catch {
                // The chain check names the run that cannot be read.
                problems.add(VerificationProblem(rule: "undecodable", replica: nil, seq: nil, record: nil,
                                                 message: "the log cannot be replayed, so table \(kind.rawValue) was not compared in full: \(error)"))
                continue
            }
            try skipRows(before: nil)
        }
        return recordCount
    }
}
