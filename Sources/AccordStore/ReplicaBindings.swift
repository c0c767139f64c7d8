import AccordCore
import Foundation
import GRDB

/// Which client certificate a replica id belongs to, as a serving replica (the hub) recorded it
/// the first time that replica id contacted it.
///
/// Binding is what stops a second certificate — even a valid one from the same CA — from
/// speaking for a replica id that is already in use: the certificate is the proof of identity,
/// the replica id is only a claim, so the first proof wins and is kept.
public struct ReplicaBinding: Sendable, Hashable {
    public var replica: ReplicaID
    /// SHA-256 of the certificate's DER encoding, 64 lowercase hex digits.
    public var fingerprint: String
    /// The office and role the certificate's subject (O, OU) names.
    public var author: Author
    /// The certificate's common name (the replica name).
    public var name: String
    /// When the binding was recorded (ms since the epoch).
    public var boundMillis: UInt64

    public init(replica: ReplicaID, fingerprint: String, author: Author, name: String, boundMillis: UInt64 = 0) {
        self.replica = replica
        self.fingerprint = fingerprint
        self.author = author
        self.name = name
        self.boundMillis = boundMillis
    }
}

/// The answer to a replica id claimed by a certificate.
public enum BindingOutcome: Sendable, Hashable {
    /// The claim matches the binding on record (possibly recorded just now).
    case bound(ReplicaBinding, isNew: Bool)
    /// Another certificate holds this replica id.
    case heldByAnotherCertificate(ReplicaBinding)
    /// The replica is known here (from changes relayed earlier, or it is this replica itself)
    /// under another office or role than the certificate names.
    case registeredAs(Author?, isThisReplica: Bool)
}

extension ReplicaStore {
    /// The hub-side table of bindings. It is created on demand (by `prepareBindings()`), not by
    /// `accord init`, because only a replica that serves others needs it and older replica files
    /// must be able to serve without a format change.
    static let bindingTableSQL = """
        CREATE TABLE IF NOT EXISTS accord_binding (
          replica TEXT PRIMARY KEY NOT NULL,
          fingerprint TEXT NOT NULL,
          office TEXT NOT NULL,
          role TEXT NOT NULL,
          name TEXT NOT NULL,
          bound INTEGER NOT NULL
        ) STRICT
        """

    /// Creates the bindings table if it does not exist yet.
    public func prepareBindings() throws {
        try pool.write { db in try db.execute(sql: Self.bindingTableSQL) }
    }

    /// The binding recorded for `replica`, if any (nil also when the table does not exist yet).
    public func binding(of replica: ReplicaID) throws -> ReplicaBinding? {
        try pool.read { db in
            guard try db.tableExists("accord_binding") else { return nil }
            return try Row.fetchOne(db, sql: "SELECT * FROM accord_binding WHERE replica = ?", arguments: [replica.rawValue])
                .flatMap(ReplicaBinding.init(row:))
        }
    }

    /// Every binding, ordered by replica id.
    public func bindings() throws -> [ReplicaBinding] {
        try pool.read { db in
            guard try db.tableExists("accord_binding") else { return [] }
            return try Row.fetchAll(db, sql: "SELECT * FROM accord_binding ORDER BY replica").compactMap(ReplicaBinding.init(row:))
        }
    }

    /// Checks `claim` against the binding on record and, on first contact, records it — in one
    /// transaction, so two certificates racing for the same replica id cannot both win.
    ///
    /// A first claim is refused when this store already knows the replica under another office
    /// or role, or when it is this store's own replica id: a certificate cannot take over an
    /// identity whose changes are already here.
    public func bind(_ claim: ReplicaBinding) throws -> BindingOutcome {
        try pool.write { db in
            try db.execute(sql: Self.bindingTableSQL)
            if let existing = try Row.fetchOne(db, sql: "SELECT * FROM accord_binding WHERE replica = ?", arguments: [claim.replica.rawValue])
                .flatMap(ReplicaBinding.init(row:)) {
                return existing.fingerprint == claim.fingerprint ? .bound(existing, isNew: false) : .heldByAnotherCertificate(existing)
            }
            if claim.replica == identity.id { return .registeredAs(identity.author, isThisReplica: true) }
            if let row = try Row.fetchOne(db, sql: "SELECT office, role FROM accord_replica WHERE id = ?", arguments: [claim.replica.rawValue]),
               let office = (row["office"] as String?).flatMap(OfficeCode.init),
               let role = (row["role"] as String?).flatMap(ReplicaRole.init) {
                let known = Author(office: office, role: role)
                if known != claim.author { return .registeredAs(known, isThisReplica: false) }
            }
            var binding = claim
            binding.boundMillis = clock()
            try db.execute(sql: "INSERT INTO accord_binding (replica, fingerprint, office, role, name, bound) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [binding.replica.rawValue, binding.fingerprint, binding.author.office.rawValue,
                                       binding.author.role.rawValue, binding.name, Int64(binding.boundMillis)])
            return .bound(binding, isNew: true)
        }
    }
}

extension ReplicaBinding {
    init?(row: Row) {
        guard let replica = ReplicaID(row["replica"] as String), let office = OfficeCode(row["office"] as String),
              let role = ReplicaRole(rawValue: row["role"] as String) else { return nil }
        self.init(replica: replica, fingerprint: row["fingerprint"], author: Author(office: office, role: role),
                  name: row["name"], boundMillis: UInt64(row["bound"] as Int64))
    }
}
