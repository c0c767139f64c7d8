import AccordCore
import AccordStore
import AccordSync
import Foundation
import Logging
import ServiceLifecycle

/// A temporary folder with a CA, replica databases and running servers, all real: certificates
/// from the PKI code, SQLite files, TLS on 127.0.0.1. Everything is removed by `close()`.
final class SyncFixture: @unchecked Sendable {
    let folder: URL
    let ca: CertificateAuthority
    private var stores: [ReplicaStore] = []
    /// One certificate per replica, as in real life: a second one would be refused by the binding.
    private var issued: [ReplicaID: TLSCredentials] = [:]

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("accord-sync-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        ca = try CertificateAuthority.create(in: folder.appendingPathComponent("ca"))
    }

    func close() {
        for store in stores { try? store.close() }
        try? FileManager.default.removeItem(at: folder)
    }

    /// A new replica database of `office` (WIPO gets the secretariat role unless told otherwise).
    func replica(_ name: String, office: String, role: ReplicaRole? = nil,
                 clock: @escaping @Sendable () -> UInt64 = ReplicaStore.systemClock) throws -> ReplicaStore {
        let code = OfficeCode(office)!
        let identity = ReplicaIdentity(id: .random(), office: code, role: role ?? (code.isSecretariat ? .secretariat : .office), name: name)
        let store = try ReplicaStore.create(at: folder.appendingPathComponent("\(name).accord").path, identity: identity, clock: clock)
        stores.append(store)
        return store
    }

    /// Credentials matching a replica's identity, issued by the fixture's CA (or `by` another).
    func credentials(for store: ReplicaStore) throws -> TLSCredentials {
        if let existing = issued[store.identity.id] { return existing }
        let new = try credentials(for: store, by: nil)
        issued[store.identity.id] = new
        return new
    }

    /// A new certificate for a replica's identity (tests of refused certificates).
    func credentials(for store: ReplicaStore, by authority: CertificateAuthority?,
                     notBefore: Date? = nil, notAfter: Date? = nil) throws -> TLSCredentials {
        try credentials(PeerIdentity(office: store.identity.office.rawValue, role: store.identity.role, replicaName: store.identity.name),
                        by: authority, notBefore: notBefore, notAfter: notAfter)
    }

    func credentials(_ identity: PeerIdentity, by authority: CertificateAuthority? = nil,
                     notBefore: Date? = nil, notAfter: Date? = nil) throws -> TLSCredentials {
        let issuer = authority ?? ca
        let issued = try issuer.issue(identity: identity, notBefore: notBefore, notAfter: notAfter)
        return try TLSCredentials(certificatePEM: issued.certificatePEM, keyPEM: issued.privateKeyPEM,
                                  caPEM: ca.certificate.serializeAsPEM().pemString)
    }

    /// A second, unrelated CA.
    func foreignCA() throws -> CertificateAuthority {
        try CertificateAuthority.create(in: folder.appendingPathComponent("foreign-ca-\(UUID().uuidString.prefix(6))"))
    }

    /// Runs `body` with `store` served on 127.0.0.1 (a free port), then shuts the server down
    /// gracefully, as SIGTERM would.
    func serving<T: Sendable>(_ store: ReplicaStore, options: ServerOptions = ServerOptions(), credentials: TLSCredentials? = nil,
                              _ body: @Sendable (_ url: String) async throws -> T) async throws -> T {
        let server = try SyncServer(store: store, credentials: credentials ?? self.credentials(for: store), port: 0, options: options,
                                    logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let group = ServiceGroup(configuration: .init(services: [server], logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })))
        let running = Task { try await group.run() }
        do {
            let port = try await server.boundPort()
            let result = try await body("https://127.0.0.1:\(port)")
            await group.triggerGracefulShutdown()
            try await running.value
            return result
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            throw error
        }
    }

    /// A client for `store` (credentials issued for it unless given).
    /// The connect timeout is short: every server here is on 127.0.0.1, and a test of an
    /// unreachable server should not wait the ten seconds a real network deserves.
    func client(_ store: ReplicaStore, url: String, credentials: TLSCredentials? = nil, replica: ReplicaID? = nil) throws -> SyncClient {
        try SyncClient(url: url, replica: replica ?? store.identity.id, credentials: credentials ?? self.credentials(for: store),
                       connectTimeout: .seconds(1))
    }

    /// One push of a hand-made batch, speaking as `store` with its own certificate.
    func push(_ batch: ChangeBatch, as store: ReplicaStore, to url: String) async throws -> PushReport {
        let client = try client(store, url: url)
        do {
            let (report, _) = try await client.push(batch)
            try await client.shutdown()
            return report
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// One full sync of `store` with the server at `url`; the client is always shut down.
    @discardableResult
    func sync(_ store: ReplicaStore, with url: String, batchChanges: Int = SyncProtocol.defaultBatchChanges,
              credentials: TLSCredentials? = nil) async throws -> SyncSummary {
        let client = try client(store, url: url, credentials: credentials)
        do {
            let summary = try await SyncSession(store: store, client: client, batchChanges: batchChanges).run()
            try await client.shutdown()
            return summary
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}

/// Record helpers shared by the tests.
enum Records {
    /// The changes of one replica's registry record, which the hub writes when it first learns
    /// the replica's key (office, role, name, public key, certificate fingerprint, first seen).
    static let registryChanges = 6

    /// Who `store` is, with its key, as a batch declares its sender.
    static func declaration(of store: ReplicaStore) -> [ReplicaID: AuthorInfo] {
        [store.identity.id: AuthorInfo(author: store.identity.author, name: store.identity.name, publicKey: store.publicKey)]
    }

    static func activity(_ owner: String, _ token: String) -> RecordID { RecordID("act-\(owner)-\(token)")! }
    static func alert(_ owner: String, _ domain: String) -> RecordID {
        RecordID.alert(contributor: OfficeCode(owner)!, normalizedDomain: domain)
    }

    /// Writes an ALERT entry with three fields.
    static func listAlert(_ store: ReplicaStore, domain: String, status: String = "online") throws -> RecordID {
        let id = alert(store.identity.office.rawValue, domain)
        try store.write(id, [FieldWrite(field: "domain", value: .string(domain)),
                             FieldWrite(field: "status", value: .string(status)),
                             FieldWrite(field: "category", value: .string("streaming"))])
        return id
    }

    /// Every collection as JSON text, for comparing replicas byte for byte.
    static func snapshot(_ store: ReplicaStore) throws -> [String] {
        try RecordKind.allCases.flatMap { try store.list($0, includeDeleted: true).map(\.serialized) }
    }
}
