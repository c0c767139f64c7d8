import AccordCore
import AccordStore
import Foundation
import GRDB
import GRDBSQLite

// accord-bench: the workloads of BENCHMARKS.md, each against fresh files in a temporary folder,
// with the raw SQLite floor measured in the same run. Run it in release:
//
//     swift run -c release accord-bench [--records N] [--iterations K]

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let value = Int(arguments[index + 1]) else { return fallback }
    return value
}
let recordCount = option("--records", 10_000)
let iterations = option("--iterations", 5)
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("accord-bench-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
var fileNumber = 0
@MainActor func freshPath() -> String {
    fileNumber += 1
    return folder.appendingPathComponent("bench-\(fileNumber).sqlite").path
}

/// Runs `body` `iterations` times (each with its own fresh setup) and reports min and median ms.
@MainActor func measure(_ name: String, setup: () throws -> Void = {}, _ body: () throws -> Void) rethrows -> Double {
    var samples: [Double] = []
    for _ in 0..<iterations {
        try setup()
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        samples.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
    }
    samples.sort()
    let median = samples[samples.count / 2]
    print(String(format: "%-58@ min %8.1f ms   median %8.1f ms", name as NSString, samples[0], median))
    return median
}

@MainActor func newStore(_ office: String = "KE") throws -> ReplicaStore {
    try ReplicaStore.create(at: freshPath(), identity: ReplicaIdentity(id: .random(), office: OfficeCode(office)!, role: .office, name: "bench"))
}

// The synthetic ALERT list: unique domains, six written fields a row.
let kenya = OfficeCode("KE")!
let categories = ["streaming", "torrent", "cyberlocker", "live_sports", "manga", "music", "ebooks", "iptv"]
let rows: [(id: RecordID, writes: [FieldWrite])] = (0..<recordCount).map { index in
    let domain = "site-\(index)-\(index * 7919 % 10007).example"
    return (RecordID.alert(contributor: kenya, normalizedDomain: domain), [
        FieldWrite(field: "domain", value: .string(domain)),
        FieldWrite(field: "kind", value: .string("website")),
        FieldWrite(field: "category", value: .string(categories[index % categories.count])),
        FieldWrite(field: "status", value: .string(index % 3 == 0 ? "offline" : "online")),
        FieldWrite(field: "listed_on", value: .string(String(format: "2025-%02d-%02d", index % 12 + 1, index % 28 + 1))),
        FieldWrite(field: "legal_basis", value: .string("Copyright Act 2001 s.35, order \(index / 40)")),
    ])
}
let csvLines: [String] = rows.map { row -> String in
    let values = row.writes.map { $0.value.stringValue ?? "" }
    return "KE,\(values[0]),\(values[1]),\(values[2]),\(values[3]),\(values[4]),,\"\(values[5])\",,"
}
let csvText: String = "contributor,domain,kind,category,status,listed_on,removed_on,legal_basis,redirects_to,notes\n" + csvLines.joined(separator: "\n") + "\n"

print("accord-bench: \(recordCount) records, \(iterations) iterations each, SQLite \(String(cString: sqlite3_libversion()))")
print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB\n")

// (0) The floor: the same rows as plain SQLite inserts of (id + 6 columns), in one transaction.
var floorPool: DatabasePool!
let floor = try measure("floor: raw SQLite insert, \(recordCount) rows × 7 columns", setup: {
    floorPool = try DatabasePool(path: freshPath())
    try floorPool.write { try $0.execute(sql: "CREATE TABLE t (id TEXT PRIMARY KEY NOT NULL, a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, f TEXT) STRICT, WITHOUT ROWID") }
}) {
    try floorPool.write { db in
        let statement = try db.makeStatement(sql: "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)")
        let handle = statement.sqliteStatement
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for row in rows {
            sqlite3_bind_text(handle, 1, row.id.rawValue, -1, transient)
            for (index, write) in row.writes.enumerated() {
                sqlite3_bind_text(handle, Int32(index + 2), write.value.stringValue ?? "", -1, transient)
            }
            guard sqlite3_step(handle) == SQLITE_DONE else { fatalError("insert failed") }
            sqlite3_reset(handle)
        }
    }
}

// (1) Import of a 10,000-row ALERT CSV: parse, validate, normalise, write.
var importStore: ReplicaStore!
let importMedian = try measure("(1) import \(recordCount)-row ALERT CSV", setup: { importStore = try newStore() }) {
    let report = try importStore.importRecords(.alertUpload, bytes: Array(csvText.utf8), format: .csv)
    precondition(report.created == recordCount)
}

// (2) 10,000 records × 6 fields written locally in one transaction.
var writeStore: ReplicaStore!
let writeMedian = try measure("(2) local write \(recordCount) records × 6 fields", setup: { writeStore = try newStore() }) {
    _ = try writeStore.commit { transaction in
        for row in rows { try transaction.write(row.id, row.writes) }
    }
}

// (3) The full change set as one batch (wire encoding comes with the sync transport).
let source = try newStore()
_ = try source.commit { transaction in for row in rows { try transaction.write(row.id, row.writes) } }
var batch: ChangeBatch!
_ = try measure("(3) read the full change set from the log", { batch = try source.missingChanges(for: VersionVector(), limit: .max) })
precondition(batch.changeCount == recordCount * 6)

// (4) Applying it into an empty replica.
var target: ReplicaStore!
let applyMedian = try measure("(4) apply \(batch.changeCount) changes into an empty replica", setup: { target = try newStore("CH") }) {
    let report = try target.merge(batch)
    precondition(report.applied == recordCount * 6, "applied \(report.applied): \(report.refused.prefix(3))")
}

// (5) Rebuild the tables from the log.
let rebuildMedian = try measure("(5) rebuild \(recordCount) records from the log", { try source.rebuild() })

print(String(format: "\nlocal write / floor: %.2f×   (target ≤ 3×)", writeMedian / floor))
print(String(format: "import: %.0f ms, apply: %.0f ms, rebuild: %.0f ms", importMedian, applyMedian, rebuildMedian))
