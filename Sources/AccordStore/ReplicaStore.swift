import AccordCore
import Foundation
import GRDB

/// One replica: a SQLite file (WAL) holding the change log, the merged collection tables and
/// this replica's identity. All writes, local or merged from a peer, are single transactions:
/// a crash at any point leaves the previous state or the next one, never a mix.
public final class ReplicaStore: Sendable {
    public let path: String
    public let identity: ReplicaIdentity
    /// This replica's signing key, from `ReplicaKeyFile.path(forDatabase:)`; nil when the file is
    /// missing, in which case the replica reads, merges and verifies but cannot write.
    let signingKey: ReplicaSigningKey?
    let pool: DatabasePool
    /// Milliseconds since the epoch; injectable so tests and simulations control time.
    let clock: @Sendable () -> UInt64

    public static let systemClock: @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1000) }

    private init(path: String, identity: ReplicaIdentity, signingKey: ReplicaSigningKey?, pool: DatabasePool,
                 clock: @escaping @Sendable () -> UInt64) {
        self.path = path
        self.identity = identity
        self.signingKey = signingKey
        self.pool = pool
        self.clock = clock
    }

    /// How long a write waits for another process's transaction to end.
    static let busyTimeoutMillis = 10_000

    static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(Double(busyTimeoutMillis) / 1000)
        configuration.label = "accord"
        return configuration
    }

    /// Creates a new replica file and its signing key file beside it (a fresh key unless one is
    /// given). Refuses to touch an existing file.
    public static func create(at path: String, identity: ReplicaIdentity, signingKey: ReplicaSigningKey = ReplicaSigningKey(),
                              clock: @escaping @Sendable () -> UInt64 = systemClock) throws -> ReplicaStore {
        guard !FileManager.default.fileExists(atPath: path) else { throw StoreError.alreadyExists(path: path) }
        let keyPath = ReplicaKeyFile.path(forDatabase: path)
        guard !FileManager.default.fileExists(atPath: keyPath) else { throw StoreError.alreadyExists(path: keyPath) }
        try ReplicaKeyFile.write(signingKey, to: keyPath)
        // A key without its database would block the next `init` at this path: undo it on failure.
        let pool: DatabasePool
        do { pool = try DatabasePool(path: path, configuration: configuration()) } catch {
            SecretFiles.removeQuietly(URL(fileURLWithPath: keyPath))
            throw error
        }
        try pool.write { db in
            for sql in ReplicaSQL.statements { try db.execute(sql: sql) }
            let facts = [
                "format": String(ReplicaSQL.formatVersion), "replica_id": identity.id.rawValue,
                "office": identity.office.rawValue, "role": identity.role.rawValue, "name": identity.name, "hlc": "0",
                ReceiptDigest.metaKey: ReceiptDigest().hex,
            ]
            for (key, value) in facts {
                try db.execute(sql: "INSERT INTO accord_meta (key, value) VALUES (?, ?)", arguments: [key, value])
            }
            try db.execute(sql: "INSERT INTO accord_replica (id, office, role, name, public_key) VALUES (?, ?, ?, ?, ?)",
                           arguments: [identity.id.rawValue, identity.office.rawValue, identity.role.rawValue, identity.name,
                                       Data(signingKey.publicKey.bytes)])
        }
        return ReplicaStore(path: path, identity: identity, signingKey: signingKey, pool: pool, clock: clock)
    }

    /// Opens an existing replica file.
    public static func open(at path: String, clock: @escaping @Sendable () -> UInt64 = systemClock) throws -> ReplicaStore {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.notAReplica(path: path) }
        let pool: DatabasePool
        let meta: [String: String]
        do {
            pool = try DatabasePool(path: path, configuration: configuration())
            meta = try pool.read { db in
                guard try db.tableExists("accord_meta") else { return [:] }
                return try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT key, value FROM accord_meta").map { ($0[0] as String, $0[1] as String) })
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError.notAReplica(path: path)
        }
        guard let format = meta["format"].flatMap(Int.init) else { throw StoreError.notAReplica(path: path) }
        switch format {
        case ReplicaSQL.formatVersion: break
        case 2, 3: try pool.write(FormatUpgrade.toFormat4)
        default: throw StoreError.unsupportedFormat(path: path, found: format)
        }
        guard let id = meta["replica_id"].flatMap(ReplicaID.init), let office = meta["office"].flatMap(OfficeCode.init),
              let role = meta["role"].flatMap(ReplicaRole.init), let name = meta["name"] else {
            throw StoreError.notAReplica(path: path)
        }
        let signingKey = try ReplicaKeyFile.read(ReplicaKeyFile.path(forDatabase: path))
        return ReplicaStore(path: path, identity: ReplicaIdentity(id: id, office: office, role: role, name: name),
                            signingKey: signingKey, pool: pool, clock: clock)
    }

    /// This replica's public key, as recorded at `init`.
    public var publicKey: ReplicaPublicKey? { signingKey?.publicKey }

    /// Reads with GRDB directly, for callers that want plain SQL over the collection tables.
    public func read<T>(_ body: (Database) throws -> T) throws -> T { try pool.read(body) }

    /// Closes the database (the WAL is checkpointed).
    public func close() throws { try pool.close() }
}
