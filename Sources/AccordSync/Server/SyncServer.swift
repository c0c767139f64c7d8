import AccordCore
import AccordStore
import Hummingbird
import HummingbirdTLS
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// A replica serving the sync protocol over HTTPS with mutual TLS: the hub, or any office
/// replica another laptop syncs with directly.
///
/// It is a `Service`: run it in a `ServiceGroup`, which gives graceful shutdown on SIGINT and
/// SIGTERM — the listener closes, requests in flight finish (each merge is one SQLite
/// transaction, so a batch is either wholly stored or, if the process dies, rolled back).
///
///     let server = try SyncServer(store: store, credentials: credentials, port: 8443)
///     let group = ServiceGroup(configuration: .init(services: [server],
///                              gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
///     try await group.run()
public final class SyncServer: Service, Sendable {
    public let store: ReplicaStore
    public let host: String
    private let application: Application<SyncResponder>
    private let runningPort = Eventual<Result<Int, any Error>>()

    /// - Parameters:
    ///   - port: 0 picks a free port; `boundPort()` tells which.
    ///   - host: the address to listen on; 127.0.0.1 by default, 0.0.0.0 to serve the network.
    public init(store: ReplicaStore, credentials: TLSCredentials, host: String = "127.0.0.1", port: Int,
                options: ServerOptions = ServerOptions(), logger: Logger = Logger(label: "accord.serve")) throws {
        try store.prepareBindings()
        self.store = store
        self.host = host
        let service = SyncService(store: store, options: options)
        let responder = SyncResponder(service: service, serverReplica: store.identity.id, logger: logger)
        let running = runningPort
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .notice)
        application = Application(
            responder: responder,
            server: try .tls(.http1(), tlsConfiguration: credentials.serverConfiguration()),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "accord"),
            onServerRunning: { channel in running.set(.success(channel.localAddress?.port ?? port)) },
            logger: quiet)
    }

    public func run() async throws {
        do {
            try await application.run()
        } catch {
            runningPort.set(.failure(error))
            throw error
        }
        runningPort.set(.failure(CancellationError()))
    }

    /// The port the server listens on, once it does (waits until then); throws if the server
    /// could not start (the address is in use, for example).
    public func boundPort() async throws -> Int { try await runningPort.value().get() }
}

/// A value that is set once and awaited by any number of tasks.
final class Eventual<Value: Sendable>: Sendable {
    private let state = NIOLockedValueBox<(value: Value?, waiters: [CheckedContinuation<Value, Never>])>((nil, []))

    func set(_ value: Value) {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Value, Never>] in
            guard state.value == nil else { return [] }
            state.value = value
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    func value() async -> Value {
        await withCheckedContinuation { continuation in
            let ready = state.withLockedValue { state -> Value? in
                if let value = state.value { return value }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
