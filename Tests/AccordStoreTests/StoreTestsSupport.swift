import AccordCore
import AccordStore
import Foundation
import GRDB
import Testing

/// A fresh folder under the system temporary directory for one test's database files; it is
/// removed when the value goes away, so tests never see each other's files.
final class StoreTestFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("accord-store-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Creates a replica file in this folder. `clock` drives both HLC stamps and the
    /// `received` instants that `--as-of` replays against.
    func replica(_ name: String, office: String, role: ReplicaRole = .office,
                 clock: StoreTestClock? = nil) throws -> ReplicaStore {
        let identity = ReplicaIdentity(id: .random(), office: OfficeCode(office)!, role: role, name: name)
        if let clock {
            return try ReplicaStore.create(at: path("\(name).accord"), identity: identity, clock: { clock.now })
        }
        return try ReplicaStore.create(at: path("\(name).accord"), identity: identity)
    }

    func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: url.appendingPathComponent(name))
        return path(name)
    }
}

/// A wall clock a test sets by hand, so that histories and `asOf` instants are scripted.
final class StoreTestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var millis: UInt64

    init(_ millis: UInt64) { self.millis = millis }

    var now: UInt64 {
        get { lock.withLock { millis } }
        set { lock.withLock { millis = newValue } }
    }

    func advance(by delta: UInt64) { lock.withLock { millis += delta } }
}

/// The sample files of `samples/`, found from this source file so that tests run from any
/// working directory.
enum StoreTestSamples {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples")

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: folder.appendingPathComponent(name)))
    }

    /// The lines of a sample, without their CRLF or LF ending (the CSV sample uses CRLF; note
    /// that Swift treats "\r\n" as one Character, so splitting a String on "\n" would not).
    static func lines(_ name: String) throws -> [String] {
        try bytes(name).split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
        }
    }

    /// An ALERT list may only be written by its contributing office, so the multi-office sample
    /// lists are split per contributor (every sample record is on one line; the contributor is
    /// the first CSV column, or the `contributor` key of a JSON line).
    static func alertFilesByContributor(_ name: String) throws -> [String: [UInt8]] {
        let all = try lines(name).filter { !$0.isEmpty }
        let isCSV = name.hasSuffix(".csv")
        let header = isCSV ? [all[0]] : []
        var groups: [String: [String]] = [:]
        for line in all.dropFirst(header.count) {
            let contributor: String
            if isCSV {
                contributor = String(line.prefix { $0 != "," })
            } else {
                guard case .string(let code)? = try JSONValue.parse(line)["contributor"] else {
                    Issue.record("sample line without contributor: \(line)")
                    continue
                }
                contributor = code
            }
            groups[contributor, default: []].append(line)
        }
        return groups.mapValues { Array((header + $0).joined(separator: "\r\n").utf8) + [0x0D, 0x0A] }
    }
}

extension ReplicaStore {
    /// Every row of the given tables (default: the three collections) in primary-key order,
    /// values rendered with their SQLite type, so two dumps are equal only if the tables are.
    func dump(tables: [String] = RecordKind.allCases.map(\.rawValue)) throws -> [String: [String]] {
        try read { db in
            var result: [String: [String]] = [:]
            for table in tables {
                result[table] = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY 1, 2").map { row in
                    row.columnNames.map { name in "\(name)=\(render(row[name] as DatabaseValue))" }.joined(separator: "|")
                }
            }
            return result
        }
    }

    /// The number of changes in the log, and every table row: what "changes nothing" compares.
    func fingerprint() throws -> [String: [String]] {
        var everything = try dump(tables: RecordKind.allCases.map(\.rawValue) + ["accord_log", "accord_replica", "accord_meta"])
        everything["version_vector"] = try versionVector().heads.map { "\($0.key)=\($0.value)" }.sorted()
        return everything
    }

    func changeCount() throws -> Int {
        var count = 0
        try forEachChange { _ in count += 1 }
        return count
    }

    func listed(_ kind: RecordKind) throws -> [String] {
        try list(kind).map(\.serialized)
    }
}

/// A value with its SQLite storage class; blobs in full (hex), not as a byte count.
private func render(_ value: DatabaseValue) -> String {
    switch value.storage {
    case .null: "NULL"
    case .int64(let number): "int:\(number)"
    case .double(let number): "real:\(number)"
    case .string(let text): "text:\(text.debugDescription)"
    case .blob(let data): "blob:" + data.map { String(format: "%02x", $0) }.joined()
    }
}

/// The refusal rule of a store error, if it is one.
func refusalRule(_ error: any Error) -> String? {
    if case StoreError.refused(let refusal) = error { return refusal.rule }
    return nil
}
