import AccordCore
import AccordStore
import ArgumentParser
import Foundation

/// `--db PATH`, shared by every command; defaults to `$ACCORD_DB`.
struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The replica database file (default: $ACCORD_DB).", valueName: "path"))
    var db: String?

    func path() throws -> String {
        if let db { return db }
        if let env = ProcessInfo.processInfo.environment["ACCORD_DB"], !env.isEmpty { return env }
        throw CLIError("no database given: pass --db PATH or set ACCORD_DB (create one with `accord init`)")
    }

    func open() throws -> ReplicaStore { try ReplicaStore.open(at: path()) }
}

/// An error the CLI reports as `Error: message` on stderr with a non-zero exit.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension RecordKind: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// Writes to standard error (progress, warnings), which is never mixed into `--json` output.
enum StandardError {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static var isTerminal: Bool { isatty(2) != 0 }
}

func parseRecordID(_ text: String) throws -> RecordID {
    guard let id = RecordID(text) else {
        throw CLIError("\"\(text)\" is not a record id; ids look like alert-KE-3j8f1q0c6w2m9t4b (`accord list KIND` shows them)")
    }
    return id
}

func parseInstant(_ text: String) throws -> UInt64 {
    guard let instant = Timestamp.parse(text) else {
        throw CLIError("\"\(text)\" is not an instant; use 2026-11-25, 2026-11-25T14:30:00Z or milliseconds since 1970")
    }
    return instant
}
