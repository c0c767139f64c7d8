import AccordCore
import AccordStore
import AccordSync
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle

/// `accord serve`: this replica answers the sync protocol over mutual TLS — the hub, or an
/// office laptop that a colleague syncs with directly.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve this replica to others over HTTPS with mutual TLS (the hub, or any replica).",
        discussion: """
            Clients need a certificate from the same CA. Stops gracefully on Ctrl-C or SIGTERM: the
            batches in flight finish, and each batch is one transaction, so nothing is half-applied.
            One log line per sync request goes to stderr (who, pushed, pulled, refused, duration).
            Example:
              accord serve --db hub.accord --port 8443 --cert pki/hub.crt --key pki/hub.key --ca pki/ca.crt
              accord serve --db ke.accord --port 9443 --host 0.0.0.0 --cert pki/nairobi-1.crt --key pki/nairobi-1.key --ca pki/ca.crt
            """
    )

    @OptionGroup var database: DatabaseOption
    @Option(help: "The TCP port (0 picks a free one).") var port: Int
    @Option(help: "The address to listen on (0.0.0.0 for every interface).") var host = "127.0.0.1"
    @OptionGroup var tls: TLSOptions
    @Option(name: .customLong("max-clock-skew"), help: ArgumentHelp("Refuse changes stamped more than this far ahead of this clock.", valueName: "seconds"))
    var maxClockSkew: UInt64 = 600

    func run() async throws {
        let store = try database.open()
        let credentials = try tls.load()
        try tls.check(credentials, matches: store)
        var logger = Logger(label: "accord.serve")
        logger.logLevel = .info
        let server = try SyncServer(store: store, credentials: credentials, host: host, port: port,
                                    options: ServerOptions(maxClockSkewMillis: maxClockSkew * 1000), logger: logger)
        let group = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let announce = Task {
            guard let bound = try? await server.boundPort() else { return }
            // Unbuffered, so a script waiting for this line sees it at once.
            FileHandle.standardOutput.write(Data("serving replica \(store.identity.name) (\(store.identity.id), \(store.identity.office) \(store.identity.role.rawValue)) on https://\(host):\(bound)\n".utf8))
        }
        try await group.run()
        announce.cancel()
        try store.close()
        StandardError.write("stopped\n")
    }
}

/// `--cert --key --ca`, shared by serve and sync.
struct TLSOptions: ParsableArguments {
    @Option(help: ArgumentHelp("This replica's certificate (PEM, from `accord pki issue`).", valueName: "file")) var cert: String
    @Option(help: ArgumentHelp("Its private key (PEM).", valueName: "file")) var key: String
    @Option(help: ArgumentHelp("The secretariat's CA certificate (ca.crt).", valueName: "file")) var ca: String

    func load() throws -> TLSCredentials { try TLSCredentials(certificateFile: cert, keyFile: key, caFile: ca) }

    /// The certificate must name this replica's office and role: otherwise every peer would
    /// refuse what this replica writes, and it is better to say so before connecting.
    func check(_ credentials: TLSCredentials, matches store: ReplicaStore) throws {
        let identity = credentials.identity
        guard identity.office == store.identity.office.rawValue, identity.role == store.identity.role else {
            throw CLIError("\(cert) is for \(identity.office) \(identity.role.rawValue) (\(identity.replicaName)), but \(store.path) is a replica of \(store.identity.office) \(store.identity.role.rawValue); use this replica's own certificate")
        }
        let now = Date()
        if credentials.certificate.notValidAfter < now {
            throw CLIError("\(cert) expired on \(credentials.certificate.notValidAfter); ask the secretariat for a new certificate (`accord pki issue`)")
        }
        if credentials.certificate.notValidBefore > now {
            throw CLIError("\(cert) is not valid before \(credentials.certificate.notValidBefore); check this computer's clock")
        }
    }
}
