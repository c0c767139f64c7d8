import AccordCore
import AccordStore

/// Who is pushing: the replica id the client states, with the office, role and name its
/// verified certificate names. Never taken from the request body.
public struct Pusher: Sendable, Hashable {
    public var replica: ReplicaID
    public var author: Author
    public var name: String

    public init(replica: ReplicaID, author: Author, name: String) {
        self.replica = replica
        self.author = author
        self.name = name
    }
}

/// The hub's checks of a pushed batch that depend on who delivers it, before the store merges
/// it with the one pure authorisation rule (`Authorization.check`) and its chain, schema and
/// clock checks.
///
/// A batch declares an office and role for each author (`ChangeBatch.authors`); a receiver
/// records that declaration the first time it meets an author, so a pusher could otherwise
/// invent authors with any office. The screen therefore decides what each declaration may be:
///
/// - The pusher's own runs are authored under its certificate's office and role; a body that
///   declares anything else for the pusher is refused (`identity-mismatch`).
/// - Runs of other authors are relays (a laptop delivering a colleague's changes). They are
///   accepted only from the author's own office: when the author is known here with the
///   pusher's office, or unknown and declared with exactly the pusher's office and role.
///   Anything else is refused as `impersonation`: without signatures the hub cannot tell a
///   faithful relay from a forgery. Signed commits (next issue) will make relays from any
///   office verifiable, and this rule can then be relaxed to "the signature verifies".
///
/// Runs the server already holds are left in the batch: the merge counts them as duplicates.
public enum PushScreen {
    public struct Outcome: Sendable {
        /// The batch to merge: refused runs removed, the pusher's declaration set from its certificate.
        public var batch: ChangeBatch
        public var refused: [RefusedRun]
    }

    /// - Parameter known: what the receiving store knows of each author (`knownReplicas()`).
    public static func screen(_ batch: ChangeBatch, from pusher: Pusher,
                              known: [ReplicaID: (info: AuthorInfo?, headSeq: UInt64)]) -> Outcome {
        var reasons: [ReplicaID: (rule: String, reason: String)] = [:]
        var authors = batch.authors
        if let declared = batch.authors[pusher.replica], declared.author != pusher.author {
            reasons[pusher.replica] = ("identity-mismatch",
                "the batch declares replica \(pusher.replica) as \(describe(declared.author)), but its certificate says \(describe(pusher.author))")
        }
        authors[pusher.replica] = AuthorInfo(author: pusher.author, name: pusher.name)

        for author in Set(batch.runs.map(\.author)) where author != pusher.replica {
            if let registered = known[author]?.info?.author {
                if registered.office != pusher.author.office {
                    reasons[author] = ("impersonation",
                        "replica \(author) belongs to \(describe(registered)); \(describe(pusher.author)) replica \(pusher.replica) cannot deliver its changes (only the author's own office may relay them until commits are signed)")
                }
            } else if let declared = batch.authors[author]?.author, declared != pusher.author {
                reasons[author] = ("impersonation",
                    "replica \(author) is unknown here and declared as \(describe(declared)); \(describe(pusher.author)) replica \(pusher.replica) may only relay changes of replicas of its own office and role")
            }
        }
        guard !reasons.isEmpty else { return Outcome(batch: ChangeBatch(authors: authors, runs: batch.runs), refused: []) }

        var runs: [ChangeRun] = []
        var refused: [RefusedRun] = []
        runs.reserveCapacity(batch.runs.count)
        for run in batch.runs {
            if let reason = reasons[run.author], !run.entries.isEmpty, run.lastSeq > (known[run.author]?.headSeq ?? 0) {
                refused.append(RefusedRun(refusing: run, rule: reason.rule, reason: reason.reason))
            } else {
                runs.append(run)
            }
        }
        for author in reasons.keys where author != pusher.replica { authors[author] = nil }
        return Outcome(batch: ChangeBatch(authors: authors, runs: runs), refused: refused)
    }

    static func describe(_ author: Author) -> String { "\(author.office) \(author.role.rawValue)" }
}
