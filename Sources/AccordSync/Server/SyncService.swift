import AccordCore
import AccordStore
import NIOConcurrencyHelpers
import NIOPosix

/// The server's side of the protocol, free of HTTP: what a vector, pull or push request does to
/// the store. Store work is blocking SQLite work, so it runs on NIO's thread pool, never on an
/// event loop or the cooperative pool.
final class SyncService: Sendable {
    let store: ReplicaStore
    let options: ServerOptions
    let authenticator: PeerAuthenticator
    private let threads = NIOThreadPool.singleton
    /// Pushes are screened and merged one at a time: the screen reads which authors the store
    /// knows and the merge registers new ones, and no other push may change that in between.
    /// SQLite serialises the writes anyway, so this costs no throughput.
    private let pushLock = NIOLock()

    init(store: ReplicaStore, options: ServerOptions) {
        self.store = store
        self.options = options
        self.authenticator = PeerAuthenticator(store: store)
    }

    func onThreadPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await threads.runIfActive(body)
    }

    /// The server's version vector, encoded.
    func vector() async throws -> [UInt8] {
        try await onThreadPool { [store] in VectorMessage.encode(try store.versionVector()) }
    }

    struct Pulled: Sendable {
        var frame: [UInt8]
        var changes: Int
        var more: Bool
    }

    /// What a client holding `have` lacks, at most about `limit` changes (whole runs).
    func pull(vectorBytes: [UInt8], limit: Int) async throws -> Pulled {
        try await onThreadPool { [store, options] in
            let have: VersionVector
            do { have = try VectorMessage.decode(vectorBytes, maxEntries: options.limits.maxAuthors) } catch let error as WireFormatError {
                throw SyncHTTPError(error)
            }
            let batch = try store.missingChanges(for: have, limit: limit)
            var after = have
            for run in batch.runs where run.lastSeq > after[run.author] { after[run.author] = run.lastSeq }
            let more = !after.dominates(try store.versionVector())
            return Pulled(frame: WireBatch.encode(batch), changes: batch.changeCount, more: more)
        }
    }

    /// Decodes, screens and merges a pushed batch.
    func push(frame: [UInt8], from pusher: Pusher) async throws -> PushReport {
        try await onThreadPool { [store, options, pushLock] in
            let batch: ChangeBatch
            do { batch = try WireBatch.decode(frame, limits: options.limits) } catch let error as WireFormatError { throw SyncHTTPError(error) }
            return try pushLock.withLock {
                var known: [ReplicaID: (info: AuthorInfo?, headSeq: UInt64)] = [:]
                for replica in try store.knownReplicas() { known[replica.id] = (replica.info, replica.headSeq) }
                let screened = PushScreen.screen(batch, from: pusher, known: known)
                // The hub lists every replica whose key it learns (on first contact, the key the
                // pusher declares for itself) in the registry it signs, so that every other
                // replica can check that replica's changes. It does so before merging them: a
                // pull between the two commits must never get changes whose author's key the
                // registry does not give yet (the puller would refuse them as `unknown-key`).
                if store.identity.role == .secretariat,
                   let key = try store.publicKey(of: pusher.replica) ?? screened.batch.authors[pusher.replica]?.publicKey {
                    try store.registerReplica(pusher.replica, author: pusher.author, name: pusher.name, publicKey: key,
                                              certificateFingerprint: pusher.certificateFingerprint)
                }
                let report = try store.merge(screened.batch, options: MergeOptions(maxClockSkewMillis: options.maxClockSkewMillis,
                                                                                   trustedPeers: [pusher.replica]))
                return PushReport(report, screened: screened.refused)
            }
        }
    }
}
