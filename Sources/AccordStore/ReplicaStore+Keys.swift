import AccordCore
import Foundation
import GRDB

extension ReplicaStore {
    /// Records another replica's key (and office and role, if given) as trusted, out of band: for a replica
    /// whose key reached this one by other means than the registry or a direct sync (a test
    /// world, an operator introducing two offline laptops). A key already known is never
    /// replaced; pinning a different one throws.
    public func pin(_ replica: ReplicaID, author: Author?, name: String?, publicKey: ReplicaPublicKey) throws {
        try pool.write { db in
            let context = try WriteContext(db, received: clock())
            defer { context.close() }
            let known = try context.register(replica, author: author, name: name)
            if let existing = known.publicKey, existing != publicKey {
                throw StoreError.refused(Refusal(rule: "key-conflict",
                                                 message: "replica \(replica) already has the key \(existing.hex); a replica's key never changes"))
            }
            try context.recordKey(publicKey, of: replica)
        }
    }

    /// The public key this replica knows for `replica`, if any.
    public func publicKey(of replica: ReplicaID) throws -> ReplicaPublicKey? {
        try pool.read { db in
            try Data.fetchOne(db, sql: "SELECT public_key FROM accord_replica WHERE id = ?", arguments: [replica.rawValue])
                .flatMap { ReplicaPublicKey(bytes: Array($0)) }
        }
    }
}
