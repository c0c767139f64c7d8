import AccordCore
import AccordStore
import Foundation

/// Issue 4's workloads: `verify` over a replica of `changes` changes (hash every change, check
/// one signature per 1,000), and `list --as-of` over all its records (a replay of the log).
/// The replica is an office's ALERT list of `changes / 6` entries, six fields each, written in
/// commits of 10,000 records.
func runHistoryBenchmarks(changes: Int, folder: URL) throws {
    let records = changes / 6
    let path = folder.appendingPathComponent("history.accord").path
    let store = try ReplicaStore.create(at: path, identity: ReplicaIdentity(id: .random(), office: OfficeCode("KE")!, role: .office, name: "history"))
    let setupStart = ContinuousClock.now
    for start in stride(from: 0, to: records, by: 10_000) {
        _ = try store.commit { transaction in
            for index in start..<min(start + 10_000, records) {
                let domain = "history-\(index).example"
                try transaction.write(RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: domain), [
                    FieldWrite(field: "domain", value: .string(domain)),
                    FieldWrite(field: "kind", value: .string("website")),
                    FieldWrite(field: "category", value: .string("streaming")),
                    FieldWrite(field: "status", value: .string(index % 3 == 0 ? "offline" : "online")),
                    FieldWrite(field: "listed_on", value: .string("2025-01-15")),
                    FieldWrite(field: "legal_basis", value: .string("order \(index / 40)")),
                ])
            }
        }
    }
    print(String(format: "\nhistory benchmarks: %d records, %d changes written in %.1f s", records, records * 6,
                 seconds(ContinuousClock.now - setupStart)))

    let verifyStart = ContinuousClock.now
    let report = try store.verify()
    precondition(report.isValid && report.changes == records * 6, "verify: \(report.problems.prefix(3))")
    print(String(format: "(10) verify %d changes (chains, %d signatures, authorisation, schema, tables): %.2f s (target ≤ 5 s)",
                 report.changes, report.changes / CommitSignature.checkpointInterval, seconds(ContinuousClock.now - verifyStart)))

    let asOfStart = ContinuousClock.now
    let listed = try store.list(.alertUpload, asOf: ReplicaStore.systemClock())
    precondition(listed.count == records)
    print(String(format: "(11) list alert_upload --as-of now over %d records: %.2f s (target ≤ 1 s)",
                 listed.count, seconds(ContinuousClock.now - asOfStart)))
    try store.close()
}

private func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
