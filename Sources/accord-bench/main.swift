import AccordCore
import AccordStore
import AccordSync
import Foundation
import GRDB
import GRDBSQLite

// accord-bench: the workloads of BENCHMARKS.md, each against fresh files in a temporary folder,
// with the raw SQLite floor measured in the same run. Run it in release:
//
//     swift run -c release accord-bench [--records N] [--iterations K] [--only "floor,(2),sync"]
//                                       [--sync-records N] [--offices N] [--write-office-csv PATH]

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let value = Int(arguments[index + 1]) else { return fallback }
    return value
}
let recordCount = option("--records", 10_000)
/// `--only "floor,(2)"` runs only the workloads whose names contain one of the words (for profiling).
let only: [String] = arguments.firstIndex(of: "--only").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1].split(separator: ",").map(String.init) : nil } ?? []
let iterations = option("--iterations", 5)
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("accord-bench-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
var fileNumber = 0
@MainActor func freshPath() -> String {
    fileNumber += 1
    return folder.appendingPathComponent("bench-\(fileNumber).sqlite").path
}

/// This thread's CPU time in ms: unlike wall time it barely moves when other processes load the
/// machine, so it is the steadier figure to compare before and after an optimisation.
func threadCPUMillis() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) * 1000 + Double(spec.tv_nsec) / 1e6
}

/// This process's CPU time in ms, every thread together (the write path inserts on a second one).
func processCPUMillis() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) * 1000 + Double(spec.tv_nsec) / 1e6
}

/// Runs `body` `iterations` times (each with its own fresh setup) and reports min and median
/// wall time, the median CPU time of this thread, and the median CPU time of all threads.
@MainActor func measure(_ name: String, setup: () throws -> Void = {}, _ body: () throws -> Void) rethrows -> Double {
    guard only.isEmpty || only.contains(where: name.contains) else { return .nan }
    var samples: [Double] = []
    var cpu: [Double] = []
    var allCPU: [Double] = []
    for _ in 0..<iterations {
        try setup()
        let cpuStart = threadCPUMillis()
        let allStart = processCPUMillis()
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        cpu.append(threadCPUMillis() - cpuStart)
        allCPU.append(processCPUMillis() - allStart)
        samples.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
    }
    samples.sort()
    cpu.sort()
    allCPU.sort()
    let median = samples[samples.count / 2]
    print(String(format: "%-58@ min %8.1f ms   median %8.1f ms   cpu %8.1f ms   all threads %8.1f ms", name as NSString,
                 samples[0], median, cpu[cpu.count / 2], allCPU[allCPU.count / 2]))
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
let csvHeader = "contributor,domain,kind,category,status,listed_on,removed_on,legal_basis,redirects_to,notes"
let csvText: String = csvHeader + "\n" + csvLines.joined(separator: "\n") + "\n"

/// A real office's list: 10,269 rows shaped like the sample file (Unicode and punycode domains,
/// app identifiers, removal dates, empty cells), all contributed by one office. The sample rows
/// are repeated with a numbered first label so every domain is distinct.
func officeList(rowCount: Int, office: String) throws -> String {
    let sample = try String(contentsOf: URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples/alert_upload.sample.csv"), encoding: .utf8)
    let templates = sample.split(whereSeparator: \.isNewline).dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    var lines = [csvHeader]
    for index in 0..<rowCount {
        var cells = templates[index % templates.count]
        cells[0] = office
        if cells[2] == "app" {
            cells[1] = "\(cells[1]).n\(index)"
        } else {
            cells[1] = "n\(index)-\(cells[1])"
        }
        lines.append(cells.joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
}
let officeRowCount = 10_269
let officeCSV = try officeList(rowCount: officeRowCount, office: "KE")
if let index = arguments.firstIndex(of: "--write-office-csv"), index + 1 < arguments.count {
    try officeCSV.write(toFile: arguments[index + 1], atomically: true, encoding: .utf8)
    print("wrote \(officeRowCount) rows to \(arguments[index + 1])")
    exit(0)
}

print("accord-bench: \(recordCount) records, \(iterations) iterations each, SQLite \(String(cString: sqlite3_libversion()))")
print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB\n")

// (0) The floor: the same rows as plain SQLite inserts of (id + 6 columns), in one transaction,
// bound through the raw statement handle. (0b) is what SQLite alone cost for format 3's layout:
// one log row (a ~90-byte body) per record in an indexed log, i.e. the inserts a local write did,
// with no Swift work; (0c) the same for format 4's.
@MainActor func floorDatabase(withLog: Bool) throws -> DatabasePool {
    let pool = try DatabasePool(path: freshPath())
    try pool.write { db in
        try db.execute(sql: "CREATE TABLE t (id TEXT PRIMARY KEY NOT NULL, a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, f TEXT) STRICT, WITHOUT ROWID")
        guard withLog else { return }
        try db.execute(sql: "CREATE TABLE log (replica INTEGER NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, record TEXT NOT NULL, hlc INTEGER NOT NULL, received INTEGER NOT NULL, prev_hash BLOB, body BLOB NOT NULL, PRIMARY KEY (replica, first_seq)) STRICT, WITHOUT ROWID")
        try db.execute(sql: "CREATE INDEX log_by_record ON log(record)")
    }
    return pool
}

func insertFloorRows(into pool: DatabasePool, withLog: Bool) throws {
    try pool.write { db in
        // The statements must outlive their handles: a released Statement is finalised.
        let statement = try db.makeStatement(sql: "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)")
        let logStatement = withLog ? try db.makeStatement(sql: "INSERT INTO log VALUES (1, ?, ?, ?, ?, ?, ?, ?)") : nil
        let handle = statement.sqliteStatement
        let logHandle = logStatement?.sqliteStatement
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        let body = [UInt8](repeating: 7, count: 90)
        let hash = [UInt8](repeating: 9, count: 32)
        for (index, row) in rows.enumerated() {
            if let logHandle {
                sqlite3_bind_int64(logHandle, 1, Int64(index * 6 + 1))
                sqlite3_bind_int64(logHandle, 2, Int64(index * 6 + 6))
                sqlite3_bind_text(logHandle, 3, row.id.rawValue, -1, transient)
                sqlite3_bind_int64(logHandle, 4, Int64(index) << 16)
                sqlite3_bind_int64(logHandle, 5, 1_700_000_000_000)
                sqlite3_bind_blob(logHandle, 6, hash, 32, transient)
                sqlite3_bind_blob(logHandle, 7, body, 90, transient)
                guard sqlite3_step(logHandle) == SQLITE_DONE else { fatalError("insert failed") }
                sqlite3_reset(logHandle)
            }
            sqlite3_bind_text(handle, 1, row.id.rawValue, -1, transient)
            for (column, write) in row.writes.enumerated() {
                sqlite3_bind_text(handle, Int32(column + 2), write.value.stringValue ?? "", -1, transient)
            }
            guard sqlite3_step(handle) == SQLITE_DONE else { fatalError("insert failed") }
            sqlite3_reset(handle)
        }
        withExtendedLifetime((statement, logStatement)) {}
    }
}

// (0c) Format 4's layout, SQLite only: each row carries its record's stamps (a ~16-byte blob),
// so that no write needs the log to know a record's state, and the log holds one row per 100
// runs (their record ids and bodies, ~95 bytes each) with no record index and no per-run
// previous hash.
@MainActor func chunkedFloorDatabase() throws -> DatabasePool {
    let pool = try DatabasePool(path: freshPath())
    try pool.write { db in
        try db.execute(sql: "CREATE TABLE t (id TEXT PRIMARY KEY NOT NULL, a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, f TEXT, stamps BLOB) STRICT, WITHOUT ROWID")
        try db.execute(sql: "CREATE TABLE seg (replica INTEGER NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, received INTEGER NOT NULL, body BLOB NOT NULL, PRIMARY KEY (replica, first_seq)) STRICT, WITHOUT ROWID")
    }
    return pool
}

func insertChunkedFloorRows(into pool: DatabasePool) throws {
    try pool.write { db in
        let statement = try db.makeStatement(sql: "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        let segmentStatement = try db.makeStatement(sql: "INSERT INTO seg VALUES (1, ?, ?, ?, ?)")
        let handle = statement.sqliteStatement
        let segmentHandle = segmentStatement.sqliteStatement
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        let stamps = [UInt8](repeating: 5, count: 16)
        let runsPerSegment = 100
        let segment = [UInt8](repeating: 7, count: 95 * runsPerSegment)
        for (index, row) in rows.enumerated() {
            if index % runsPerSegment == 0 {
                sqlite3_bind_int64(segmentHandle, 1, Int64(index * 6 + 1))
                sqlite3_bind_int64(segmentHandle, 2, Int64((index + runsPerSegment) * 6))
                sqlite3_bind_int64(segmentHandle, 3, 1_700_000_000_000)
                sqlite3_bind_blob(segmentHandle, 4, segment, Int32(segment.count), transient)
                guard sqlite3_step(segmentHandle) == SQLITE_DONE else { fatalError("insert failed") }
                sqlite3_reset(segmentHandle)
            }
            sqlite3_bind_text(handle, 1, row.id.rawValue, -1, transient)
            for (column, write) in row.writes.enumerated() {
                sqlite3_bind_text(handle, Int32(column + 2), write.value.stringValue ?? "", -1, transient)
            }
            sqlite3_bind_blob(handle, 8, stamps, Int32(stamps.count), transient)
            guard sqlite3_step(handle) == SQLITE_DONE else { fatalError("insert failed") }
            sqlite3_reset(handle)
        }
        withExtendedLifetime((statement, segmentStatement)) {}
    }
}

var floorPool: DatabasePool!
let floor = try measure("floor: raw SQLite insert, \(recordCount) rows × 7 columns",
                        setup: { floorPool = try floorDatabase(withLog: false) }) {
    try insertFloorRows(into: floorPool, withLog: false)
}
_ = try measure("floor: format 3 layout, SQLite only (+ indexed log row a record)", setup: { floorPool = try floorDatabase(withLog: true) }) {
    try insertFloorRows(into: floorPool, withLog: true)
}
_ = try measure("floor: format 4 layout, SQLite only (+ stamps, log row a 100 runs)", setup: { floorPool = try chunkedFloorDatabase() }) {
    try insertChunkedFloorRows(into: floorPool)
}

// (1) Import of a 10,000-row ALERT CSV: parse, validate, normalise, write.
var importStore: ReplicaStore!
let importMedian = try measure("(1) import \(recordCount)-row ALERT CSV", setup: { importStore = try newStore() }) {
    let report = try importStore.importRecords(.alertUpload, bytes: Array(csvText.utf8), format: .csv)
    precondition(report.created == recordCount)
}

var officeStore: ReplicaStore!
_ = try measure("(1b) import a real office's \(officeRowCount)-row ALERT CSV", setup: { officeStore = try newStore() }) {
    let report = try officeStore.importRecords(.alertUpload, bytes: Array(officeCSV.utf8), format: .csv)
    precondition(report.created == officeRowCount, "created \(report.created)")
}

// (2) 10,000 records × 6 fields written locally in one transaction.
var writeStore: ReplicaStore!
let writeMedian = try measure("(2) local write \(recordCount) records × 6 fields", setup: { writeStore = try newStore() }) {
    _ = try writeStore.commit { transaction in
        for row in rows { try transaction.write(row.id, row.writes) }
    }
}

// (2b) The same write into a replica that already holds 10,000 other records: every record's
// row is looked up first (into an empty log, (2), that lookup is skipped).
_ = try measure("(2b) local write \(recordCount) × 6 into a replica of \(recordCount) records", setup: {
    writeStore = try newStore()
    _ = try writeStore.commit { transaction in
        for row in rows { try transaction.write(RecordID.alert(contributor: kenya, normalizedDomain: "other-" + row.writes[0].value.stringValue!),
                                                 [FieldWrite(field: "domain", value: .string("other-" + row.writes[0].value.stringValue!))]) }
    }
}) {
    _ = try writeStore.commit { transaction in
        for row in rows { try transaction.write(row.id, row.writes) }
    }
}

// Parts of the write path in isolation, to see where its time goes (`--only parts`).
let sampleChanges: [Change] = rows.prefix(10_000).flatMap { row in
    row.writes.enumerated().map { offset, write in
        Change(author: ReplicaID("00000000000000aa")!, seq: UInt64(offset + 1), hlc: HLC(rawValue: 1 << 40), record: row.id,
               field: write.field, element: nil, value: write.value, previousHash: nil)
    }
}
_ = try measure("parts: SHA-256 chain hash of \(sampleChanges.count) changes") {
    var hasher = ChangeHasher()
    var last: ChangeHash?
    for change in sampleChanges { last = hasher.hash(change) }
    precondition(last != nil)
}
_ = try measure("parts: merge \(sampleChanges.count) changes into record states") {
    var states: [RecordID: RecordState] = [:]
    for change in sampleChanges { states[change.record, default: RecordState(id: change.record)].apply(change) }
    precondition(states.count == min(recordCount, 10_000))
}
// What the insert thread encodes for (2): each record's stamps (its row's accord_stamps) and the
// log rows' runs.
let sampleStates: [RecordState] = {
    var states: [RecordID: RecordState] = [:]
    for change in sampleChanges { states[change.record, default: RecordState(id: change.record)].apply(change) }
    return states.values.sorted { $0.id < $1.id }
}()
_ = try measure("parts: encode the stamps of \(sampleStates.count) records") {
    var writer = ByteWriter(capacity: 256)
    var total = 0
    for state in sampleStates {
        writer.removeAll()
        RecordStamps.encode(state, into: &writer)
        total += writer.bytes.count
    }
    precondition(total > 0)
}
_ = try measure("parts: JSON of \(sampleStates.count) records (what list --as-of prints)") {
    var documents: [JSONValue] = []
    for state in sampleStates { documents.append(state.json()) }
    precondition(documents.count == sampleStates.count)
}
let sampleRuns = ChangeRun.group(sampleChanges)
_ = try measure("parts: encode \(sampleRuns.count) runs into log rows") {
    var rows = ByteWriter(capacity: 16 * 1024)
    var scratch = ByteWriter(capacity: 512)
    var total = 0
    for (index, run) in sampleRuns.enumerated() {
        if index % LogSegment.maxRuns == 0 { total += rows.bytes.count; rows.removeAll() }
        LogSegment.append(run, to: &rows, scratch: &scratch)
    }
    precondition(total > 0)
}

// Signing: (2) signs its commit's chain head every 1,000 changes and at the end (60 signatures);
// this is that work alone, to set against (2).
let signingKey = ReplicaSigningKey()
var signingHasher = ChangeHasher()
let someHash = signingHasher.hash(sampleChanges[0])
_ = try measure("parts: Ed25519-sign \(recordCount * 6 / CommitSignature.checkpointInterval) chain heads (what (2) signs)") {
    for seq in 0..<(recordCount * 6 / CommitSignature.checkpointInterval) {
        _ = try signingKey.sign(author: ReplicaID("00000000000000aa")!, seq: UInt64(seq + 1), hash: someHash)
    }
}

// (3) The full change set: read from the log, encoded for the wire, and decoded.
let source = try newStore()
_ = try source.commit { transaction in for row in rows { try transaction.write(row.id, row.writes) } }
var batch = try source.missingChanges(for: VersionVector(), limit: .max)
precondition(batch.changeCount == recordCount * 6)
_ = try measure("(3a) read the full change set from the log", { batch = try source.missingChanges(for: VersionVector(), limit: .max) })
var frame = WireBatch.encode(batch)
_ = try measure("(3b) encode \(batch.changeCount) changes for the wire", { frame = WireBatch.encode(batch) })
let stored = WireBatch.encode(batch, compression: .none)
_ = try measure("(3c) decode and check the frame", {
    let decoded = try WireBatch.decode(frame)
    precondition(decoded == batch)
})
let perChange = Double(frame.count) / Double(batch.changeCount)
print(String(format: "    size: %d bytes uncompressed, %d bytes compressed (%.2f MB, %.2f bytes a change; target ≤ 0.7 MB)",
             stored.count, frame.count, Double(frame.count) / 1_000_000, perChange))

// (4) Applying it into an empty replica.
var target: ReplicaStore!
let applyMedian = try measure("(4) apply \(batch.changeCount) changes into an empty replica", setup: { target = try newStore("CH") }) {
    let report = try target.merge(batch, options: MergeOptions(trustedPeers: [source.identity.id]))
    precondition(report.applied == recordCount * 6, "applied \(report.applied): \(report.refused.prefix(3))")
}

// (4b) The same into a replica that already holds 10,000 records of its own.
_ = try measure("(4b) apply \(batch.changeCount) changes into a replica of \(recordCount) records", setup: {
    target = try newStore("CH")
    _ = try target.commit { transaction in
        for index in 0..<recordCount {
            let domain = "ch-\(index).example"
            try transaction.write(RecordID.alert(contributor: OfficeCode("CH")!, normalizedDomain: domain), [FieldWrite(field: "domain", value: .string(domain))])
        }
    }
}) {
    let report = try target.merge(batch, options: MergeOptions(trustedPeers: [source.identity.id]))
    precondition(report.applied == recordCount * 6, "applied \(report.applied): \(report.refused.prefix(3))")
}

// (5) Rebuild the tables from the log.
let rebuildMedian = try measure("(5) rebuild \(recordCount) records from the log", { try source.rebuild() })

print(String(format: "\nlocal write / floor: %.2f×   (target ≤ 3×)", writeMedian / floor))
print(String(format: "import: %.0f ms, apply: %.0f ms, rebuild: %.0f ms", importMedian, applyMedian, rebuildMedian))

// History and audit (HistoryBenchmarks.swift): verify and --as-of over a large replica; `--only history`.
if only.isEmpty || only.contains("history") {
    try runHistoryBenchmarks(changes: option("--history-changes", 1_000_000), folder: folder)
}

// The sync workloads over loopback TLS (SyncBenchmarks.swift); `--only sync` runs just these.
if only.isEmpty || only.contains("sync") {
    try await runSyncBenchmarks(records: option("--sync-records", 100_000), offices: option("--offices", 200))
}
