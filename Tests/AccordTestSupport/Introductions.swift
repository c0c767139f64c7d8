import AccordCore
import AccordStore
import Crypto

extension ReplicaStore {
    /// Pins every store's key and identity in every other: a test world whose replicas
    /// exchanged keys out of band, so that they merge each other's (signed) changes directly.
    public static func introduce(_ stores: [ReplicaStore]) throws {
        for store in stores {
            for other in stores where other !== store {
                try store.pin(other.identity.id, author: other.identity.author, name: other.identity.name, publicKey: other.publicKey!)
            }
        }
    }
}

/// Deterministic signing keys for the replicas of `sync-fixtures/`: the fixtures describe
/// changes, not keys, so a runner signs each author's runs with a key derived from its id.
public enum FixtureKeys {
    public static func key(for replica: ReplicaID) -> ReplicaSigningKey {
        ReplicaSigningKey(seed: Array(SHA256.hash(data: Array("accord-fixture-key \(replica)".utf8))))!
    }
}

extension ChangeBatch {
    /// This batch with a signature by its author after every run, the way a sender whose every
    /// commit is one run would send it; `key` gives each author's signing key.
    public func signingEveryRun(with key: (ReplicaID) -> ReplicaSigningKey) throws -> ChangeBatch {
        var hasher = ChangeHasher()
        var signed = self
        signed.signatures = try runs.filter { !$0.entries.isEmpty }.map { run in
            try key(run.author).sign(author: run.author, seq: run.lastSeq, hash: run.changes(hasher: &hasher).lastHash!)
        }
        return signed
    }
}
