import AccordCore
import AccordStore
import Foundation
import Testing

/// What one run of `accord` did.
struct CLIResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }

    var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
}

/// Runs the built `accord` executable as a user would: a separate process, real files, its
/// own environment. Everything happens in a temporary folder removed afterwards.
final class CLISandbox: @unchecked Sendable {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("accord-cli-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: folder.appendingPathComponent(name))
        return path(name)
    }

    /// Runs `accord` with `arguments`. `ACCORD_DB` is removed from the inherited environment
    /// unless given in `environment`, so a developer's own setting never leaks into a test.
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CLIResult {
        let process = Process()
        process.executableURL = try CLIExecutable.url()
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var env = ProcessInfo.processInfo.environment
        env["ACCORD_DB"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        // Files rather than pipes: a chatty command can never block on a full pipe.
        let id = UUID().uuidString
        let outURL = folder.appendingPathComponent(".out-\(id)")
        let errURL = folder.appendingPathComponent(".err-\(id)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        return CLIResult(status: process.terminationStatus,
                         stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                         stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// Runs a command that must succeed; records its output as the failure otherwise.
    @discardableResult
    func ok(_ arguments: [String], environment: [String: String] = [:],
            sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIResult {
        let result = try run(arguments, environment: environment)
        #expect(result.status == 0, "accord \(arguments.joined(separator: " ")): \(result)", sourceLocation: sourceLocation)
        return result
    }

    /// Runs a command that must fail with a message on stderr and nothing on stdout.
    @discardableResult
    func fails(_ arguments: [String], environment: [String: String] = [:],
               sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIResult {
        let result = try run(arguments, environment: environment)
        #expect(result.status != 0, "accord \(arguments.joined(separator: " ")) succeeded: \(result)", sourceLocation: sourceLocation)
        #expect(!result.stderr.isEmpty, "no error message: \(result)", sourceLocation: sourceLocation)
        return result
    }

    /// `accord init` of a replica file in the sandbox; returns its path.
    func initReplica(_ name: String, office: String, role: String = "office") throws -> String {
        let db = path("\(name).accord")
        try ok(["init", "--db", db, "--office", office, "--replica", name, "--role", role])
        return db
    }

    /// Everything a replica holds — every record (deleted ones too), every change with its
    /// hash and arrival time, every known replica and head — as text, to prove that a failed
    /// command changed nothing.
    func fingerprint(_ db: String) throws -> String {
        let store = try ReplicaStore.open(at: db)
        defer { try? store.close() }
        var lines: [String] = []
        for kind in RecordKind.allCases {
            lines += try store.list(kind, includeDeleted: true).map(\.serialized)
        }
        try store.forEachChange { logged in
            lines.append("\(logged.change.author) \(logged.change.seq) \(logged.hash) \(logged.receivedMillis)")
        }
        lines += try store.knownReplicas().map { "\($0.id) \($0.headSeq) \(String(describing: $0.info))" }
        return lines.joined(separator: "\n")
    }
}

/// Finds the `accord` executable SwiftPM built for these tests: next to the test bundle
/// (Linux: the `.xctest` executable; macOS: the bundle's folder), or in `.build/debug` of this
/// package; `ACCORD_EXECUTABLE` overrides both.
enum CLIExecutable {
    static func url() throws -> URL {
        if let found = located { return found }
        throw CLIExecutableMissing(searched: candidates.map(\.path))
    }

    private static let located: URL? = candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }

    static let candidates: [URL] = {
        var list: [URL] = []
        if let override = ProcessInfo.processInfo.environment["ACCORD_EXECUTABLE"] { list.append(URL(fileURLWithPath: override)) }
        var folders: [URL] = []
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            folders.append(bundle.bundleURL.deletingLastPathComponent())
        }
        if let executable = Bundle.main.executableURL { folders.append(executable.deletingLastPathComponent()) }
        folders.append(Bundle.main.bundleURL)
        folders.append(Bundle.main.bundleURL.deletingLastPathComponent())
        if let first = CommandLine.arguments.first {
            let argument = URL(fileURLWithPath: first).resolvingSymlinksInPath()
            folders.append(argument.deletingLastPathComponent())
            // Inside a macOS bundle: X.xctest/Contents/MacOS/X → the folder holding X.xctest.
            folders.append(argument.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent())
        }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        folders.append(package.appendingPathComponent(".build/debug"))
        list += folders.map { $0.appendingPathComponent("accord") }
        return list
    }()
}

struct CLIExecutableMissing: Error, CustomStringConvertible {
    var searched: [String]
    var description: String { "the accord executable was not found (build with `swift build --build-tests`); looked at:\n" + searched.joined(separator: "\n") }
}

/// The samples of `samples/`, by absolute path.
enum CLISamples {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples")

    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// Non-empty lines without their CRLF or LF ending (Swift treats "\r\n" as one Character,
    /// so splitting the text on "\n" would not split a CRLF file).
    static func lines(_ name: String) throws -> [String] {
        try Data(contentsOf: folder.appendingPathComponent(name)).split(separator: 0x0A).map { line in
            String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
        }.filter { !$0.isEmpty }
    }
}

/// Parses one line of `--json` output; a line that is not one JSON object fails the test.
func jsonObject(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String: JSONValue] {
    guard case .object(let members)? = try? JSONValue.parse(line) else {
        Issue.record("not one JSON object: \(line)", sourceLocation: sourceLocation)
        return [:]
    }
    return members
}

extension JSONValue {
    var text: String? { if case .string(let value) = self { value } else { nil } }
}
