import Foundation
import Testing

/// Every command explains itself with an example: a newcomer's first stop is `--help`.
@Suite("accord: help")
struct CLIHelpTests {
    /// The commands of the brief that exist on this branch; more may be listed by `accord --help`.
    private static let known = ["init", "add", "edit", "delete", "restore", "import", "list", "show", "history", "log", "rebuild", "schema", "demo"]

    /// The subcommands `accord --help` lists, so a command added later is checked too.
    private func listedCommands(_ sandbox: CLISandbox) throws -> [String] {
        let help = try sandbox.ok(["--help"]).stdout
        guard let start = help.range(of: "SUBCOMMANDS:") else {
            Issue.record("no SUBCOMMANDS section in accord --help:\n\(help)")
            return []
        }
        var names: [String] = []
        // The section ends at the first blank line; a subcommand line is indented by two
        // spaces, a wrapped abstract by more.
        for line in help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { break }
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { continue }
            let word = line.split(separator: " ").first.map(String.init) ?? ""
            if word.allSatisfy({ $0.isLetter || $0 == "-" }), !word.isEmpty { names.append(word) }
        }
        return names
    }

    @Test func everyCommandsHelpHasAnExample() throws {
        let sandbox = try CLISandbox()
        let listed = try listedCommands(sandbox)
        #expect(Set(Self.known).isSubset(of: Set(listed)), "accord --help lists \(listed)")
        for command in Set(Self.known + listed).sorted() {
            let result = try sandbox.run([command, "--help"])
            #expect(result.status == 0, "\(command): \(result)")
            #expect(result.stdout.contains("Example"), "accord \(command) --help has no example:\n\(result.stdout)")
            #expect(result.stdout.contains("accord \(command)"), "\(command)")
        }
    }

    /// Commands that work on a replica document `--db` and its `ACCORD_DB` default.
    @Test func replicaCommandsDocumentTheDatabaseOption() throws {
        let sandbox = try CLISandbox()
        for command in ["init", "add", "edit", "delete", "restore", "import", "list", "show", "history", "log", "rebuild"] {
            let help = try sandbox.ok([command, "--help"]).stdout
            #expect(help.contains("--db") && help.contains("ACCORD_DB"), "\(command)")
        }
    }

    @Test func anUnknownCommandFailsWithUsage() throws {
        let sandbox = try CLISandbox()
        let result = try sandbox.fails(["frobnicate"])
        #expect(result.stderr.contains("frobnicate"))
    }
}
