import AccordCore
import AccordStore
import NIOPosix

/// One sync of a local replica with a server: push what the server lacks, then pull what this
/// replica lacks, in bounded batches that each side applies in one transaction.
///
/// Nothing is remembered between syncs but the two stores themselves: each sync starts from
/// the server's version vector and this replica's, so an interrupted sync (a dropped
/// connection, a killed process) resumes where it stopped, and a batch delivered twice is
/// recognised by sequence numbers and ignored. A sync with nothing new is one round trip (the
/// server's vector), whose size depends on the number of replicas, not on the history.
public struct SyncSession: Sendable {
    public let store: ReplicaStore
    public let client: SyncClient
    /// Changes per batch, each way.
    public var batchChanges: Int
    public var mergeOptions: MergeOptions

    public init(store: ReplicaStore, client: SyncClient, batchChanges: Int = SyncProtocol.defaultBatchChanges,
                mergeOptions: MergeOptions = MergeOptions()) {
        self.store = store
        self.client = client
        self.batchChanges = batchChanges
        self.mergeOptions = mergeOptions
    }

    public func run(progress: (@Sendable (SyncProgress) -> Void)? = nil) async throws -> SyncSummary {
        var summary = SyncSummary()
        let (serverVector, server, traffic) = try await client.vector()
        summary.traffic.add(traffic)
        try await push(from: serverVector, into: &summary, progress: progress)
        // The server's certificate was verified: its key is pinned on first sync (a different
        // key later fails the sync), its own declarations are believed, and every other
        // author's key comes from the registry it relays.
        var options = mergeOptions
        if let server {
            options.trustedPeers.insert(server.replica)
            if let key = server.publicKey, server.replica != store.identity.id {
                try await blocking { try store.pin(server.replica, author: server.author, name: nil, publicKey: key) }
            }
        }
        // A push can make the server write (the hub registers a replica it learns the key of):
        // ask again what it holds, so that this sync already brings that back.
        var pullFrom = serverVector
        if summary.pushed > 0 {
            let (after, _, traffic) = try await client.vector()
            summary.traffic.add(traffic)
            pullFrom = after
        }
        try await pull(serverVector: pullFrom, options: options, into: &summary, progress: progress)
        return summary
    }

    /// Sends, batch by batch, what a server holding `serverVector` lacks.
    func push(from serverVector: VersionVector, into summary: inout SyncSummary,
              progress: (@Sendable (SyncProgress) -> Void)?) async throws {
        let mine = try await blocking { try store.versionVector() }
        guard serverVector.missingCount(from: mine) > 0 else { return }
        // What the server holds or has been offered in this sync: advanced past every batch
        // sent, refused or not, so a refused run is not offered again until the next sync.
        var offered = serverVector
        // Changes of other offices' replicas are not offered: their authors deliver them to the
        // hub themselves, so relaying them would only send them twice (a server would accept
        // them if their signatures verify). Counted so the summary can say so.
        let office = store.identity.office
        for replica in try await blocking({ try store.knownReplicas() })
        where replica.id != store.identity.id && replica.info?.author.office != office && mine[replica.id] > offered[replica.id] {
            summary.notOffered += Int(clamping: mine[replica.id] - offered[replica.id])
            offered[replica.id] = mine[replica.id]
        }
        let expected = Int(clamping: offered.missingCount(from: mine))
        guard expected > 0 else { return }
        var sent = 0
        while true {
            let limit = batchChanges
            let from = offered
            let batch = try await blocking { try store.missingChanges(for: from, limit: limit) }
            guard !batch.runs.isEmpty else { break }
            let (report, traffic) = try await client.push(batch)
            summary.traffic.add(traffic)
            summary.pushed += report.applied
            summary.refusedByServer += report.refused
            summary.heldByServer += report.held
            for run in batch.runs where run.lastSeq > offered[run.author] { offered[run.author] = run.lastSeq }
            sent += batch.changeCount
            progress?(SyncProgress(phase: .push, done: sent, expected: expected))
        }
    }

    /// Receives, batch by batch, what this replica lacks, until the server says nothing remains.
    func pull(serverVector: VersionVector, options: MergeOptions, into summary: inout SyncSummary,
              progress: (@Sendable (SyncProgress) -> Void)?) async throws {
        var mine = try await blocking { try store.versionVector() }
        guard !mine.dominates(serverVector) else { return }
        let expected = Int(clamping: mine.missingCount(from: serverVector))
        var received = 0
        while true {
            let pulled = try await client.pull(have: mine, limit: batchChanges)
            summary.traffic.add(pulled.traffic)
            let report = try await blocking { try store.merge(pulled.batch, options: options) }
            summary.pulled += report.applied
            summary.refusedLocally += report.refused
            received += pulled.batch.changeCount
            progress?(SyncProgress(phase: .pull, done: received, expected: expected))
            let now = try await blocking { try store.versionVector() }
            // A batch that moved nothing (every run refused here) would come back unchanged: stop.
            guard pulled.more, now != mine else { break }
            mine = now
        }
    }

    /// SQLite work is blocking: keep it off the cooperative thread pool.
    private func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }
}

extension SyncClient.Traffic {
    mutating func add(_ other: SyncClient.Traffic) {
        sent += other.sent
        received += other.received
        roundTrips += other.roundTrips
    }
}
