import AccordCore
import AccordStore
import Foundation

/// Issue 4's workloads: `verify` over a replica of `changes` changes (hash every change, check
/// one signature per 1,000), and `list --as-of` over 100,000 ALERT entries of that replica (a
/// replay of their part of the log). The replica is an office's: its ALERT list of up to
/// 100,000 entries and, for the rest of the changes, its activities, six fields each, written in
/// commits of 10,000 records.
func runHistoryBenchmarks(changes: Int, folder: URL) throws {
    let records = changes / 6
    let alerts = min(records, 100_000)
    let path = folder.appendingPathComponent("history.accord").path
    let kenya = OfficeCode("KE")!
    let store = try ReplicaStore.create(at: path, identity: ReplicaIdentity(id: .random(), office: kenya, role: .office, name: "history"))
    let setupStart = ContinuousClock.now
    for start in stride(from: 0, to: records, by: 10_000) {
        _ = try store.commit { transaction in
            for index in start..<min(start + 10_000, records) where index < alerts {
                let domain = "history-\(index).example"
                try transaction.write(RecordID.alert(contributor: kenya, normalizedDomain: domain), [
                    FieldWrite(field: "domain", value: .string(domain)),
                    FieldWrite(field: "kind", value: .string("website")),
                    FieldWrite(field: "category", value: .string("streaming")),
                    FieldWrite(field: "status", value: .string(index % 3 == 0 ? "offline" : "online")),
                    FieldWrite(field: "listed_on", value: .string("2025-01-15")),
                    FieldWrite(field: "legal_basis", value: .string("order \(index / 40)")),
                ])
            }
            for index in start..<min(start + 10_000, records) where index >= alerts {
                try transaction.write(RecordID.random(kind: .activity, owner: kenya), [
                    FieldWrite(field: "title", value: .string("National workshop \(index)")),
                    FieldWrite(field: "kind", value: .string("workshop")),
                    FieldWrite(field: "mode", value: .string("hybrid")),
                    FieldWrite(field: "city", value: .string("Nairobi")),
                    FieldWrite(field: "start_date", value: .string("2026-03-02")),
                    FieldWrite(field: "participant_count", value: .int(Int64(index % 300))),
                ])
            }
        }
    }
    print(String(format: "\nhistory benchmarks: %d records (%d ALERT entries), %d changes written in %.1f s", records, alerts, records * 6,
                 seconds(ContinuousClock.now - setupStart)))

    let verifyStart = ContinuousClock.now
    let report = try store.verify()
    precondition(report.isValid && report.changes == records * 6, "verify: \(report.problems.prefix(3))")
    print(String(format: "(10) verify %d changes (chains, %d signatures, authorisation, schema, tables): %.2f s (target ≤ 5 s)",
                 report.changes, report.changes / CommitSignature.checkpointInterval, seconds(ContinuousClock.now - verifyStart)))

    let asOfStart = ContinuousClock.now
    let listed = try store.list(.alertUpload, asOf: ReplicaStore.systemClock())
    precondition(listed.count == alerts)
    print(String(format: "(11) list alert_upload --as-of now over %d records: %.2f s (target ≤ 1 s)",
                 listed.count, seconds(ContinuousClock.now - asOfStart)))
    try store.close()
}

private func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
