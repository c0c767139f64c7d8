import Foundation
import Testing

/// `accord pki`, `accord serve` and `accord sync` as a person runs them: the real binary, real
/// files, a real server process on 127.0.0.1 stopped with SIGTERM.
@Suite("accord pki / serve / sync")
struct SyncCommandTests {
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/accord").path

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `accord` to completion (bounded: 60 s).
    static func accord(_ arguments: [String], in folder: URL) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary)))
    func pkiServeSyncAndGracefulStop() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("accord-cli-sync-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func run(_ line: String) throws -> Result { try Self.accord(line.split(separator: " ").map(String.init), in: folder) }

        #expect(try run("pki init --dir pki").status == 0)
        #expect(try run("pki issue --dir pki --office WIPO --role secretariat --replica hub").status == 0)
        #expect(try run("pki issue --dir pki --office KE --role office --replica nairobi-1").status == 0)
        let keyMode = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("pki/nairobi-1.key").path)[.posixPermissions] as? Int
        #expect(keyMode == 0o600)
        #expect(try run("init --db hub.accord --office WIPO --replica hub --role secretariat").status == 0)
        #expect(try run("init --db ke.accord --office KE --replica nairobi-1").status == 0)
        let added = try Self.accord(["add", "alert_upload", "--db", "ke.accord", "--json", #"{"domain": "pirate.example", "status": "online"}"#], in: folder)
        #expect(added.status == 0, "\(added.stderr)")

        // The server, as a separate process.
        let server = Process()
        server.executableURL = URL(fileURLWithPath: Self.binary)
        server.arguments = "serve --db hub.accord --port 0 --cert pki/hub.crt --key pki/hub.key --ca pki/ca.crt".split(separator: " ").map(String.init)
        server.currentDirectoryURL = folder
        let serverOut = Pipe(), serverErr = Pipe()
        server.standardOutput = serverOut
        server.standardError = serverErr
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        var announced = Data()
        let deadline = Date().addingTimeInterval(30)
        while !String(decoding: announced, as: UTF8.self).contains("\n"), Date() < deadline {
            let chunk = serverOut.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            announced += chunk
        }
        let line = String(decoding: announced, as: UTF8.self)
        let url = try #require(line.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }, "serve printed \(line)")
        #expect(url.hasPrefix("https://127.0.0.1:"))

        let tls = "--cert pki/nairobi-1.crt --key pki/nairobi-1.key --ca pki/ca.crt"
        let first = try run("sync --db ke.accord --hub \(url) \(tls)")
        #expect(first.status == 0, "\(first.stderr)")
        // The hub registers the laptop's key on that first push; the registry record (6
        // changes) comes back in the same sync.
        #expect(first.stdout == "pushed 2, pulled 6, refused 0\n")
        let again = try run("sync --db ke.accord --hub \(url) \(tls)")
        #expect(again.stdout == "pushed 0, pulled 0, refused 0\n")

        // Clear failures, non-zero exits.
        let wrongCertificate = try run("sync --db ke.accord --hub \(url) --cert pki/hub.crt --key pki/hub.key --ca pki/ca.crt")
        #expect(wrongCertificate.status != 0)
        #expect(wrongCertificate.stderr.contains("is for WIPO secretariat"))
        let both = try run("sync --db ke.accord --hub \(url) --peer \(url) \(tls)")
        #expect(both.status != 0 && both.stderr.contains("exactly one of --hub"))

        // SIGTERM: a graceful stop, and one log line per request with who and what.
        server.terminate()
        let stopDeadline = Date().addingTimeInterval(20)
        while server.isRunning && Date() < stopDeadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!server.isRunning)
        #expect(server.terminationStatus == 0)
        let log = String(decoding: serverErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("pushed=2") && log.contains("office=KE") && log.contains("name=nairobi-1") && log.contains("duration_ms="), "\(log)")
        #expect(log.contains("stopped"))

        let unreachable = try run("sync --db ke.accord --hub \(url) \(tls)")
        #expect(unreachable.status != 0)
        #expect(unreachable.stderr.contains("cannot reach"), "\(unreachable.stderr)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary)))
    func helpOfEveryNewCommandHasAnExample() throws {
        let folder = FileManager.default.temporaryDirectory
        for command in [["pki"], ["pki", "init"], ["pki", "issue"], ["serve"], ["sync"], ["demo"]] {
            let help = try Self.accord(command + ["--help"], in: folder)
            #expect(help.stdout.contains("Example"), "accord \(command.joined(separator: " ")) --help")
        }
    }
}
