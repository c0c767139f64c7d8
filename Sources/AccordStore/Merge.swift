import AccordCore
import Foundation
import GRDB

/// The office, role, name and public key a batch declares for an author replica. A receiver
/// takes them on first sight only from the peer it is talking to about that peer itself
/// (`MergeOptions.trustedPeers`); every other author's office, role and key come from the
/// secretariat's signed replica registry.
public struct AuthorInfo: Sendable, Hashable {
    public var author: Author
    public var name: String?
    public var publicKey: ReplicaPublicKey?

    public init(author: Author, name: String?, publicKey: ReplicaPublicKey? = nil) {
        self.author = author
        self.name = name
        self.publicKey = publicKey
    }
}

/// Changes received from a peer, grouped in runs, with what the sender knows of their authors
/// and the authors' signatures over their chains.
public struct ChangeBatch: Sendable, Hashable {
    public var authors: [ReplicaID: AuthorInfo]
    public var runs: [ChangeRun]
    /// Signatures of the runs' authors; every run must be covered by a signature at or after
    /// its last change, up to which its author's changes in the batch chain.
    public var signatures: [CommitSignature]

    public init(authors: [ReplicaID: AuthorInfo] = [:], runs: [ChangeRun], signatures: [CommitSignature] = []) {
        self.authors = authors
        self.runs = runs
        self.signatures = signatures
    }

    public var changeCount: Int { runs.reduce(0) { $0 + $1.entries.count } }
}

/// A run that was not merged, and why.
public struct RefusedRun: Sendable, Hashable, CustomStringConvertible {
    public var author: ReplicaID
    public var seqs: ClosedRange<UInt64>
    public var record: RecordID
    /// A stable rule identifier (`owner-only`, `chain-broken`, `clock-skew`, …).
    public var rule: String
    public var reason: String

    public var description: String { "\(author):\(seqs.lowerBound)-\(seqs.upperBound) (\(record)): \(reason)" }
}

/// The outcome of merging a batch.
public struct MergeReport: Sendable, Hashable {
    /// Changes newly merged.
    public var applied = 0
    /// Changes already held (delivered twice): ignored.
    public var duplicates = 0
    /// Runs refused by a rule; nothing of them was stored.
    public var refused: [RefusedRun] = []
    /// Runs held back because an earlier change of the same author is missing (a gap, or a
    /// refused run before them); they can be sent again once the gap is filled.
    public var held: [RefusedRun] = []
}

public struct MergeOptions: Sendable {
    /// Changes stamped further ahead of this replica's clock are refused (default 10 minutes).
    public var maxClockSkewMillis: UInt64 = 600_000
    /// Replicas whose own declaration in the batch (office, role, public key) is believed on
    /// first sight: the peer at the other end of an authenticated connection — the hub a client
    /// pulls from, the client pushing to a hub. A key, once known, never changes.
    public var trustedPeers: Set<ReplicaID> = []

    public init(maxClockSkewMillis: UInt64 = 600_000, trustedPeers: Set<ReplicaID> = []) {
        self.maxClockSkewMillis = maxClockSkewMillis
        self.trustedPeers = trustedPeers
    }
}

extension ReplicaStore {
    /// Merges a batch in one transaction. Each run is checked before it is stored — chain
    /// continuity, the author's signature and key, authorisation, schema, clock — and a refused
    /// run is reported, never applied; the other authors' runs still merge. Delivering the same
    /// batch twice, or batches in any order, gives the same records.
    ///
    /// Authors are merged one at a time; an author whose key is not known yet waits until the
    /// others are merged, because the secretariat's registry records in the same batch may
    /// introduce it.
    public func merge(_ batch: ChangeBatch, options: MergeOptions = MergeOptions()) throws -> MergeReport {
        try recordsWrite { db in
            let context = try WriteContext(db, received: clock())
            defer { context.close() }
            var merger = BatchMerger(context: context, identity: identity, options: options, clockState: try Self.loadClock(db),
                                     signatures: batch.signatures)
            try context.preload(batch.runs.lazy.map(\.record))
            // Each author's runs by their places in the batch, in sequence order: the runs
            // themselves are not copied.
            var byAuthor: [ReplicaID: [Int]] = [:]
            for (index, run) in batch.runs.enumerated() where !run.entries.isEmpty { byAuthor[run.author, default: []].append(index) }
            var waiting = byAuthor.keys.sorted()
            for author in waiting {
                let trusted = options.trustedPeers.contains(author) || author == identity.id
                let declared = batch.authors[author]
                try merger.introduce(author, declared: trusted ? declared : nil)
                byAuthor[author]!.sort { batch.runs[$0].firstSeq < batch.runs[$1].firstSeq }
            }
            while !waiting.isEmpty {
                var later: [ReplicaID] = []
                for author in waiting {
                    if merger.key(of: author) == nil { later.append(author) } else { try merger.merge(byAuthor[author]!, in: batch.runs, of: author) }
                }
                if later.count == waiting.count { break }
                waiting = later
            }
            for author in waiting { merger.refuseUnknownKey(byAuthor[author]!, in: batch.runs, of: author) }
            try context.finish()
            try Self.saveClock(merger.clockState, db)
            return merger.report
        }
    }
}
