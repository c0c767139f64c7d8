import AccordCore
import AccordStore
import ArgumentParser

/// `accord verify`: the auditor's offline check of a whole replica.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the whole replica offline: hash chains, authorisation, and tables against a replay of the log.",
        discussion: """
            Every replica's chain must be complete and unbroken up to its recorded head, every change \
            authorised by the rules and valid for the schema, and every collection table equal to a \
            replay of the change log. Any problem is listed with the replica, sequence number or \
            record at fault, and the exit status is 1.
            Example:
              accord verify --db audit.accord
            """
    )
    @OptionGroup var database: DatabaseOption
    @Option(help: "How many problems to list at most.") var maxProblems = 100

    func run() throws {
        let store = try database.open()
        let report = try store.verify(maxProblems: maxProblems)
        let scope = "\(report.replicas) replicas, \(report.changes) changes, \(report.records) records"
        guard report.isValid else {
            for problem in report.problems { StandardError.write(problem.description + "\n") }
            if report.truncated { StandardError.write("… and more (raise --max-problems to see them)\n") }
            throw CLIError("verification failed: \(report.problems.count)\(report.truncated ? "+" : "") problems in \(scope)")
        }
        print("verified \(scope): every chain complete and unbroken, every change authorised, tables equal a replay of the log")
    }
}
