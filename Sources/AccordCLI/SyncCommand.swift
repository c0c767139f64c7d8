import AccordCore
import AccordStore
import AccordSync
import ArgumentParser
import Foundation

/// `accord sync`: push what the other side lacks, pull what this replica lacks.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Sync this replica with the hub (--hub) or with another replica that runs `accord serve` (--peer).",
        discussion: """
            Prints `pushed N, pulled M, refused K`; refused changes are listed on stderr with the
            rule they broke, and the exit status is then non-zero. An interrupted sync is simply
            run again: it resumes where it stopped, and nothing is applied twice.
            Example:
              accord sync --db ke.accord --hub https://hub.accord.example:8443 --cert pki/nairobi-1.crt --key pki/nairobi-1.key --ca pki/ca.crt
              accord sync --db ke.accord --peer https://192.168.1.20:9443 --cert pki/nairobi-1.crt --key pki/nairobi-1.key --ca pki/ca.crt
            """
    )

    @OptionGroup var database: DatabaseOption
    @Option(help: ArgumentHelp("The hub, https://HOST:PORT (its certificate must name HOST).", valueName: "url")) var hub: String?
    @Option(help: ArgumentHelp("Another replica running `accord serve`, https://HOST:PORT (any address; authenticated by the CA).", valueName: "url"))
    var peer: String?
    @OptionGroup var tls: TLSOptions
    @Option(name: .customLong("batch-size"), help: "Changes per batch, each way.") var batchSize = SyncProtocol.defaultBatchChanges

    func validate() throws {
        guard (hub == nil) != (peer == nil) else { throw ValidationError("give exactly one of --hub URL or --peer URL") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() async throws {
        let store = try database.open()
        let credentials = try tls.load()
        try tls.check(credentials, matches: store)
        let url = hub ?? peer!
        let client = try SyncClient(url: url, replica: store.identity.id, credentials: credentials, verifyHostname: hub != nil)
        let display = ProgressLine(enabled: StandardError.isTerminal)
        let summary: SyncSummary
        do {
            summary = try await SyncSession(store: store, client: client, batchChanges: batchSize).run { display.show($0) }
            display.clear()
            try await client.shutdown()
        } catch {
            display.clear()
            try? await client.shutdown()
            throw CLIError("sync with \(url) failed: \(error)")
        }
        print(summary.line)
        for line in summary.refusalDetails { StandardError.write(line + "\n") }
        if summary.notOffered > 0 {
            StandardError.write("note: \(summary.notOffered) change(s) of other offices' replicas were not sent: a server accepts them only from their own office, which delivers them itself\n")
        }
        if summary.refusedCount > 0 {
            throw CLIError("\(summary.refusedCount) change run(s) refused (listed above); fix the cause (clock, permissions) and sync again — refused changes stay here and are sent again next time")
        }
    }
}

/// A one-line progress display on a terminal (stderr), silent otherwise.
final class ProgressLine: @unchecked Sendable {
    private let enabled: Bool
    private let lock = NSLock()
    private var last = Date.distantPast
    private var shown = false

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ progress: SyncProgress) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        guard Date().timeIntervalSince(last) > 0.1 else { return }
        last = Date()
        shown = true
        let percent = progress.expected > 0 ? min(100, progress.done * 100 / progress.expected) : 100
        StandardError.write("\r\(progress.phase == .push ? "pushing" : "pulling") \(progress.done)/\(progress.expected) changes (\(percent)%)\u{1B}[K")
    }

    func clear() {
        lock.lock()
        defer { lock.unlock() }
        if shown { StandardError.write("\r\u{1B}[K") }
        shown = false
    }
}
