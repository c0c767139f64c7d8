import AccordCore
import Foundation
import GRDB

/// The office, role and name a batch declares for an author replica. A receiver records it the
/// first time it sees that replica; what it already knows wins over a later claim.
public struct AuthorInfo: Sendable, Hashable {
    public var author: Author
    public var name: String?

    public init(author: Author, name: String?) {
        self.author = author
        self.name = name
    }
}

/// Changes received from a peer, grouped in runs, with what the sender knows of their authors.
public struct ChangeBatch: Sendable, Hashable {
    public var authors: [ReplicaID: AuthorInfo]
    public var runs: [ChangeRun]

    public init(authors: [ReplicaID: AuthorInfo] = [:], runs: [ChangeRun]) {
        self.authors = authors
        self.runs = runs
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

    public init(maxClockSkewMillis: UInt64 = 600_000) { self.maxClockSkewMillis = maxClockSkewMillis }
}

extension ReplicaStore {
    /// Merges a batch in one transaction. Each run is checked before it is stored — chain
    /// continuity, authorisation, schema, clock — and a refused run is reported, never applied;
    /// the other authors' runs still merge. Delivering the same batch twice, or batches in any
    /// order, gives the same records.
    public func merge(_ batch: ChangeBatch, options: MergeOptions = MergeOptions()) throws -> MergeReport {
        try pool.write { db in
            let now = clock()
            let context = try WriteContext(db, received: now)
            var clockState = try Self.loadClock(db)
            var report = MergeReport()
            var hasher = ChangeHasher()
            var blocked: Set<ReplicaID> = []
            let runs = batch.runs.sorted { ($0.author, $0.firstSeq) < ($1.author, $1.firstSeq) }

            for original in runs where !original.entries.isEmpty {
                let declared = batch.authors[original.author]
                var known = try context.register(original.author, author: declared?.author, name: declared?.name)
                if original.author == identity.id { known.author = identity.author }
                func refuse(_ rule: String, _ reason: String, held: Bool = false) {
                    let entry = RefusedRun(author: original.author, seqs: original.firstSeq...original.lastSeq,
                                           record: original.record, rule: rule, reason: reason)
                    if held { report.held.append(entry) } else { report.refused.append(entry) }
                    blocked.insert(original.author)
                }
                if original.lastSeq <= known.headSeq {
                    report.duplicates += original.entries.count
                    continue
                }
                if blocked.contains(original.author) {
                    refuse("held", "an earlier change of replica \(original.author) in this batch was not merged", held: true)
                    continue
                }
                var run = original
                if run.firstSeq <= known.headSeq {
                    // Overlaps what we hold: keep only the new tail, chained to the last held change.
                    let dropped = Int(known.headSeq - run.firstSeq + 1)
                    let (changes, _) = run.changes(hasher: &hasher)
                    report.duplicates += dropped
                    run = ChangeRun(author: run.author, firstSeq: known.headSeq + 1, record: run.record,
                                    previousHash: changes[dropped].previousHash, entries: Array(run.entries.dropFirst(dropped)))
                }
                if run.firstSeq > known.headSeq + 1 {
                    refuse("gap", "changes \(known.headSeq + 1)…\(run.firstSeq - 1) of replica \(run.author) are missing", held: true)
                    continue
                }
                guard run.previousHash == known.headHash else {
                    refuse("chain-broken", "change \(run.firstSeq) of replica \(run.author) does not chain to change \(known.headSeq) held here (altered or forked history)")
                    continue
                }
                guard let author = known.author else {
                    refuse("unknown-author", "replica \(run.author) is not registered with an office and role")
                    continue
                }
                if let refusal = Authorization.check(author: author, record: run.record) {
                    refuse(refusal.rule, refusal.message)
                    continue
                }
                if let problem = run.entries.lazy.compactMap({ ChangeCheck.problem(record: run.record, field: $0.field, element: $0.element, value: $0.value) }).first {
                    refuse("schema", problem)
                    continue
                }
                if let latest = run.entries.map(\.hlc).max(),
                   let skew = ClockSkewError.check(latest, author: run.author, nowMillis: now, allowedMillis: options.maxClockSkewMillis) {
                    refuse("clock-skew", skew.description)
                    continue
                }
                let (_, lastHash) = run.changes(hasher: &hasher)
                try context.append(run, lastHash: lastHash)
                for entry in run.entries { clockState.observe(entry.hlc) }
                report.applied += run.entries.count
            }
            try context.finish()
            try Self.saveClock(clockState, db)
            return report
        }
    }
}
