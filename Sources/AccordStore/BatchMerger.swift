import AccordCore
import GRDB

/// The checks and bookkeeping of one `merge`, author by author.
///
/// An author's runs are checked in sequence order and held back as *pending* until a signature
/// of that author over the chain hash of a pending run's last change verifies; then every
/// pending run is stored. So nothing is stored that its author did not sign, and one signature
/// vouches for all the changes before it through the hash chain. Runs still pending when the
/// author's runs end are refused as `unsigned`.
struct BatchMerger {
    let context: WriteContext
    let identity: ReplicaIdentity
    let options: MergeOptions
    var clockState: HybridClock
    var report = MergeReport()
    private var hasher = ChangeHasher()
    private let signatures: [SignedPoint: CommitSignature]

    struct SignedPoint: Hashable {
        var author: ReplicaID
        var seq: UInt64
    }

    init(context: WriteContext, identity: ReplicaIdentity, options: MergeOptions, clockState: HybridClock, signatures: [CommitSignature]) {
        self.context = context
        self.identity = identity
        self.options = options
        self.clockState = clockState
        self.signatures = Dictionary(signatures.map { (SignedPoint(author: $0.author, seq: $0.seq), $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Registers an author of the batch; `declared` is what a trusted peer says of itself. An
    /// author neither declared nor known is not recorded: a registry record in the batch may
    /// introduce it, or its runs are refused (`unknown-key`) and leave no trace.
    mutating func introduce(_ author: ReplicaID, declared: AuthorInfo?) throws {
        guard declared != nil || context.replicas[author] != nil else { return }
        let known = try context.register(author, author: author == identity.id ? identity.author : declared?.author, name: declared?.name)
        if let key = declared?.publicKey, known.publicKey == nil { try context.recordKey(key, of: author) }
    }

    func key(of author: ReplicaID) -> ReplicaPublicKey? { context.replicas[author]?.publicKey }

    /// Refuses what an author whose key is unknown here sent (its duplicates aside).
    mutating func refuseUnknownKey(_ order: [Int], in runs: [ChangeRun], of author: ReplicaID) {
        let head = context.replicas[author]?.headSeq ?? 0
        for index in order where runs[index].lastSeq > head {
            report.refused.append(RefusedRun(refusing: runs[index], rule: "unknown-key",
                reason: "replica \(author) has no public key known here: the secretariat's replica registry does not list it (sync with the hub first, or the author is not a registered replica)"))
        }
    }

    /// A run checked and chained, waiting for a signature: a run of the batch by its place, or
    /// its new tail when part of it is held here already. Held by place so that a large merge
    /// does not copy every run it stores.
    private struct PendingRun {
        var index: Int
        var tail: ChangeRun?
        var lastHash: ChangeHash
        /// Its greatest hlc, checked against the clock and observed once it is stored.
        var latest: HLC
    }

    /// Merges the runs of one author, `order` giving their places in `runs` by sequence number.
    mutating func merge(_ order: [Int], in runs: [ChangeRun], of author: ReplicaID) throws {
        guard let key = key(of: author), let known = context.replicas[author] else { return }
        let now = UInt64(context.received)
        var headSeq = known.headSeq
        var headHash = known.headHash
        var pending: [PendingRun] = []
        var stopped = false

        func refuse(_ run: ChangeRun, _ rule: String, _ reason: String, held: Bool = false) {
            let entry = RefusedRun(refusing: run, rule: rule, reason: reason)
            if held { report.held.append(entry) } else { report.refused.append(entry) }
        }
        func refusePending(_ rule: String, held: Bool = false, _ reason: (ChangeRun) -> String) {
            for item in pending {
                let run = item.tail ?? runs[item.index]
                refuse(run, rule, reason(run), held: held)
            }
            pending.removeAll()
        }
        func store(_ run: ChangeRun, _ item: PendingRun) throws {
            try context.append(run, lastHash: item.lastHash)
            if run.record.kind == .replica { try context.learnFromRegistry(run.record) }
            clockState.observe(item.latest)
            report.applied += run.entries.count
        }

        for index in order {
            let original = runs[index]
            if original.lastSeq <= headSeq {
                if original.lastSeq <= known.headSeq, let fork = try forkEvidence(original, key: key) {
                    refuse(original, "forked", fork)
                } else {
                    report.duplicates += original.entries.count
                }
                continue
            }
            if stopped {
                refuse(original, "held", "an earlier change of replica \(author) in this batch was not merged", held: true)
                continue
            }
            var tail: ChangeRun?
            if original.firstSeq <= headSeq {
                // Overlaps what we hold: keep only the new tail, chained to the last held change.
                report.duplicates += Int(headSeq - original.firstSeq + 1)
                tail = original.after(headSeq, hasher: &hasher)
            }
            let run = tail ?? original
            let latest = run.latestHLC
            if let problem = problem(of: run, latest: latest, headSeq: headSeq, headHash: headHash, now: now) {
                refusePending("held", held: true) { _ in "held with change \(run.firstSeq) of replica \(author), which was refused" }
                refuse(run, problem.rule, problem.reason, held: problem.held)
                stopped = true
                continue
            }
            let lastHash = run.lastHash(hasher: &hasher)!
            pending.append(PendingRun(index: index, tail: tail, lastHash: lastHash, latest: latest))
            headSeq = run.lastSeq
            headHash = lastHash
            guard let signature = signatures[SignedPoint(author: author, seq: run.lastSeq)] else { continue }
            guard signature.verifies(hash: lastHash, key: key) else {
                refusePending("signature-invalid") { _ in
                    "the signature of replica \(author) over its change \(run.lastSeq) does not verify with its key \(key.hex.prefix(16))…: the changes were altered, reordered or signed by another key"
                }
                stopped = true
                continue
            }
            for item in pending {
                if let tail = item.tail { try store(tail, item) } else { try store(runs[item.index], item) }
            }
            pending.removeAll(keepingCapacity: true)
            try context.store(signature)
        }
        refusePending("unsigned") { run in
            "changes \(run.firstSeq)…\(run.lastSeq) of replica \(author) are not covered by a signature of their author in this batch"
        }
    }

    /// A run whose sequence numbers are held here already is normally a duplicate. But when the
    /// batch carries its author's signature at its last change, that signature must hold for the
    /// change held here too; if it holds instead for the batch's own, different change, the
    /// author signed two histories with the same sequence numbers — a replica restored from an
    /// old backup that wrote again, or a copied key. The changes held here are kept; the proof is
    /// reported.
    private mutating func forkEvidence(_ run: ChangeRun, key: ReplicaPublicKey) throws -> String? {
        guard let signature = signatures[SignedPoint(author: run.author, seq: run.lastSeq)],
              let held = try context.storedChainHash(of: run.author, at: run.lastSeq),
              !signature.verifies(hash: held, key: key),
              let theirs = run.lastHash(hasher: &hasher), signature.verifies(hash: theirs, key: key) else { return nil }
        return "replica \(run.author) signed two different histories: its change \(run.lastSeq) hashes to \(held.hex.prefix(16))… here and to \(theirs.hex.prefix(16))… in this batch, both signed with its key; the changes held here are kept (was the replica restored from an old backup, or its key copied?)"
    }

    /// Why a run that directly follows the held or pending head cannot be merged, if it cannot.
    /// `latest` is the run's greatest hlc (`ChangeRun.latestHLC`).
    private func problem(of run: ChangeRun, latest: HLC, headSeq: UInt64, headHash: ChangeHash?, now: UInt64) -> (rule: String, reason: String, held: Bool)? {
        if run.firstSeq > headSeq + 1 {
            return ("gap", "changes \(headSeq + 1)…\(run.firstSeq - 1) of replica \(run.author) are missing", true)
        }
        guard run.previousHash == headHash else {
            return ("chain-broken", "change \(run.firstSeq) of replica \(run.author) does not chain to change \(headSeq) held here (altered or forked history)", false)
        }
        guard let author = run.author == identity.id ? identity.author : context.author(of: run.author) else {
            return ("unknown-author", "replica \(run.author) is not registered with an office and role", false)
        }
        if let refusal = Authorization.check(author: author, record: run.record) {
            return (refusal.rule, refusal.message, false)
        }
        // The entries are read in place: every change of a merge is checked here.
        let schemaProblem: String? = run.entries.withUnsafeBufferPointer { entries in
            for index in entries.indices {
                if let problem = ChangeCheck.problem(record: run.record, field: entries[index].field, element: entries[index].element,
                                                     value: entries[index].value) { return problem }
            }
            return nil
        }
        if let schemaProblem { return ("schema", schemaProblem, false) }
        if run.record.kind == .replica, let conflict = context.registryConflict(run) {
            return ("registry-key-conflict", conflict, false)
        }
        if let skew = ClockSkewError.check(latest, author: run.author, nowMillis: now, allowedMillis: options.maxClockSkewMillis) {
            return ("clock-skew", skew.description, false)
        }
        return nil
    }
}
