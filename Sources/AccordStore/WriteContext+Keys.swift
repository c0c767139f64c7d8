import AccordCore
import Foundation
import GRDB

extension WriteContext {
    /// Records the public key of a replica. A key, once known, never changes: a different one
    /// later means someone else is claiming the replica id, which the caller refuses.
    func recordKey(_ key: ReplicaPublicKey, of id: ReplicaID) throws {
        guard var known = replicas[id], known.publicKey == nil else { return }
        known.publicKey = key
        replicas[id] = known
        try db.execute(sql: "UPDATE accord_replica SET public_key = ? WHERE idx = ?", arguments: [Data(key.bytes), known.index])
    }
}

extension WriteContext {
    /// After a registry record was merged: the replica it registers gets the office, role, name
    /// and key it names, unless they are known already (what is known first is kept; a key
    /// that differs is refused before the merge, `registryConflict`).
    func learnFromRegistry(_ record: RecordID) throws {
        guard let replica = record.registeredReplica else { return }
        let state = try state(of: record)
        guard case .string(let officeText) = state.value(of: "office"), let office = OfficeCode(officeText),
              case .string(let roleText) = state.value(of: "role"), let role = ReplicaRole(rawValue: roleText) else { return }
        var name: String?
        if case .string(let text) = state.value(of: "name") { name = text }
        try register(replica, author: Author(office: office, role: role), name: name)
        if case .string(let hex) = state.value(of: "public_key"), let key = ReplicaPublicKey(hex: hex) {
            try recordKey(key, of: replica)
        }
    }

    /// Why a registry run cannot be merged: it gives a replica another key than the one known
    /// here. A replica's key never changes; a second key for the same id is a forgery or a
    /// mistake, and accepting it would let its holder sign as that replica.
    func registryConflict(_ run: ChangeRun) -> String? {
        guard let replica = run.record.registeredReplica, let known = replicas[replica]?.publicKey else { return nil }
        for entry in run.entries where entry.field == "public_key" {
            guard case .string(let hex) = entry.value, ReplicaPublicKey(hex: hex) == known else {
                return "\(run.record) gives replica \(replica) the key \(entry.value), but its key is \(known.hex); a replica's key never changes"
            }
        }
        return nil
    }
}
