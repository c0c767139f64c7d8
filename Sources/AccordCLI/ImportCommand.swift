import AccordCore
import AccordStore
import ArgumentParser
import Foundation

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import records from a CSV or JSON Lines file, all or nothing.",
        discussion: """
            The format follows the extension (.csv, .jsonl). CSV has a header row of field names; an
            empty cell means "not set"; set fields take items separated by ';'. If any row is invalid,
            nothing is imported and every problem is listed as FILE:LINE: field: what is wrong.
            Importing the same file again changes nothing.
            Example:
              accord import alert_upload ke-alert-list.csv --db ke.accord
            """
    )

    @OptionGroup var database: DatabaseOption
    @Argument(help: "activity, training_variant or alert_upload.") var kind: RecordKind
    @Argument(help: "The file (.csv or .jsonl).") var file: String
    @Option(help: "csv or jsonl, when the extension does not say.") var format: String?
    @Option(help: "How many problems to list at most.") var maxErrors = 50

    func run() throws {
        guard let fileFormat = format.flatMap(RecordFile.Format.init(rawValue:)) ?? RecordFile.format(forPath: file) else {
            throw CLIError("\(file): cannot tell the format from the extension; name it .csv or .jsonl, or pass --format csv|jsonl")
        }
        guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("\(file): cannot read the file (does it exist?)") }
        let store = try database.open()
        let showProgress = StandardError.isTerminal
        do {
            let report = try store.importRecords(kind, bytes: Array(data), format: fileFormat) { done, total in
                if showProgress { StandardError.write("\rimporting \(file): \(done)/\(total) rows") }
            }
            if showProgress { StandardError.write("\r\u{1B}[K") }
            print("imported \(file): \(report.rows) rows — \(report.created) new, \(report.updated) updated, \(report.unchanged) unchanged (\(report.changes) changes)")
        } catch let failure as ImportFailure {
            for problem in failure.problems.prefix(maxErrors) { StandardError.write("\(file):\(problem)\n") }
            if failure.problems.count > maxErrors { StandardError.write("… and \(failure.problems.count - maxErrors) more\n") }
            throw CLIError("\(file): \(failure.problems.count) problem(s); nothing was imported")
        }
    }
}
