import AccordCore
import AccordStore
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Nothing a user entered may be lost or duplicated: not when several commands write one
/// replica at once, and not when an import is killed half-way (`kill -9`).
@Suite("accord: concurrent commands and crashes")
struct CLIReliabilityTests {
    private func csv(prefix: String, rows: Int) -> String {
        "domain,status,category,listed_on\n" + (0..<rows).map { "\(prefix)-\($0).example,online,iptv,2026-01-01" }.joined(separator: "\n") + "\n"
    }

    /// Sequence numbers stay gap-free and every row lands once when imports race.
    @Test func concurrentImportsIntoOneReplicaAllLand() async throws {
        let sandbox = try CLISandbox()
        let db = try sandbox.initReplica("nairobi", office: "KE")
        let files = try (0..<4).map { try sandbox.write("part\($0).csv", csv(prefix: "p\($0)", rows: 150)) }
        let results = try await withThrowingTaskGroup(of: CLIResult.self) { group in
            for file in files {
                group.addTask { try sandbox.run(["import", "alert_upload", file, "--db", db]) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for result in results { #expect(result.status == 0, "\(result)") }
        let log = try sandbox.ok(["log", "--json", "--db", db]).stdoutLines.map { jsonObject($0) }
        #expect(log.count == 4 * 150 * 4)
        #expect(log.map { $0["seq"] } == (1...log.count).map { .int(Int64($0)) })
        #expect(try sandbox.ok(["list", "alert_upload", "--json", "--db", db]).stdoutLines.count == 600)
    }

    /// An import killed at any moment leaves all of the file or none of it, and importing the
    /// file again completes it.
    @Test func anImportKilledHalfWayLeavesAllOrNothing() throws {
        let sandbox = try CLISandbox()
        let db = try sandbox.initReplica("nairobi", office: "KE")
        let rows = 4_000
        let file = try sandbox.write("big.csv", csv(prefix: "site", rows: rows))
        for delay in [0.15, 0.5, 1.0] {
            let process = Process()
            process.executableURL = try CLIExecutable.url()
            process.arguments = ["import", "alert_upload", file, "--db", db]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let count = try sandbox.ok(["list", "alert_upload", "--json", "--db", db]).stdoutLines.count
            #expect(count == 0 || count == rows, "after a kill at \(delay) s: \(count) records")
            let log = try sandbox.ok(["log", "--json", "--db", db]).stdoutLines.map { jsonObject($0) }
            #expect(log.map { $0["seq"] } == (0..<log.count).map { .int(Int64($0 + 1)) })
        }
        let again = try sandbox.ok(["import", "alert_upload", file, "--db", db])
        #expect(again.stdout.contains("\(rows) rows"))
        #expect(try sandbox.ok(["list", "alert_upload", "--json", "--db", db]).stdoutLines.count == rows)
        let before = try sandbox.fingerprint(db)
        try sandbox.ok(["rebuild", "--db", db])
        #expect(try sandbox.fingerprint(db) == before)
    }
}
