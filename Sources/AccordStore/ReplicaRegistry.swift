import AccordCore

extension ReplicaStore {
    /// On a secretariat replica (the hub): lists `replica` in the replica registry — its office,
    /// role, name, public key and certificate fingerprint, as signed records of the secretariat
    /// that replicate like all others, so that every replica can check the author of any change
    /// without asking the hub. Returns false (and writes nothing) when the replica is listed
    /// already: a registration is never rewritten, and a replica's key never changes.
    @discardableResult
    public func registerReplica(_ replica: ReplicaID, author: Author, name: String?, publicKey: ReplicaPublicKey,
                                certificateFingerprint: String?) throws -> Bool {
        guard identity.role == .secretariat else {
            throw StoreError.refused(Refusal(rule: "registry-secretariat-only",
                                             message: "only the secretariat registers replicas; this replica is \(identity.office) \(identity.role.rawValue)"))
        }
        let id = RecordID.registry(of: replica, secretariat: identity.office)
        let day = String(Timestamp.iso8601(millis: clock()).prefix(10))
        let (written, _) = try commit { transaction -> Bool in
            guard try transaction.record(id) == nil else { return false }
            var writes = [
                FieldWrite(field: "office", value: .string(author.office.rawValue)),
                FieldWrite(field: "role", value: .string(author.role.rawValue)),
                FieldWrite(field: "public_key", value: .string(publicKey.hex)),
                FieldWrite(field: "first_seen", value: .string(day)),
            ]
            if let name { writes.append(FieldWrite(field: "name", value: .string(name))) }
            if let certificateFingerprint { writes.append(FieldWrite(field: "certificate_fingerprint", value: .string(certificateFingerprint))) }
            try transaction.write(id, writes)
            return true
        }
        return written
    }
}
