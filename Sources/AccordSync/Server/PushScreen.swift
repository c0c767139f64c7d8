import AccordCore
import AccordStore

/// Who is pushing: the replica id the client states, with the office, role and name its
/// verified certificate names. Never taken from the request body.
public struct Pusher: Sendable, Hashable {
    public var replica: ReplicaID
    public var author: Author
    public var name: String
    /// SHA-256 of the client certificate (hex), recorded in the replica registry.
    public var certificateFingerprint: String?

    public init(replica: ReplicaID, author: Author, name: String, certificateFingerprint: String? = nil) {
        self.replica = replica
        self.author = author
        self.name = name
        self.certificateFingerprint = certificateFingerprint
    }
}

/// The hub's check of a pushed batch that depends on who delivers it, before the store merges
/// it with its chain, signature, key, authorisation, schema and clock checks.
///
/// A batch declares an office, role and key for its authors (`ChangeBatch.authors`). The store
/// believes a declaration only from the peer it is talking to about itself
/// (`MergeOptions.trustedPeers`), so the screen makes that declaration the certificate's:
///
/// - The pusher's own runs are authored under its certificate's office and role; a body that
///   declares anything else for the pusher is refused (`identity-mismatch`). The public key it
///   declares is kept: on first contact it becomes the replica's key, bound like its id.
/// - Every other author's declaration is dropped. Relayed changes (a laptop delivering a
///   colleague's or another office's changes) merge when their author's signature verifies
///   with the key the registry holds for it, whoever delivers them.
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
        let declared = batch.authors[pusher.replica]
        let authors = [pusher.replica: AuthorInfo(author: pusher.author, name: pusher.name, publicKey: declared?.publicKey)]
        guard let declared, declared.author != pusher.author else {
            return Outcome(batch: ChangeBatch(authors: authors, runs: batch.runs, signatures: batch.signatures), refused: [])
        }
        let reason = "the batch declares replica \(pusher.replica) as \(describe(declared.author)), but its certificate says \(describe(pusher.author))"
        var runs: [ChangeRun] = []
        var refused: [RefusedRun] = []
        runs.reserveCapacity(batch.runs.count)
        for run in batch.runs {
            if run.author == pusher.replica, !run.entries.isEmpty, run.lastSeq > (known[run.author]?.headSeq ?? 0) {
                refused.append(RefusedRun(refusing: run, rule: "identity-mismatch", reason: reason))
            } else {
                runs.append(run)
            }
        }
        return Outcome(batch: ChangeBatch(authors: authors, runs: runs, signatures: batch.signatures), refused: refused)
    }

    static func describe(_ author: Author) -> String { "\(author.office) \(author.role.rawValue)" }
}
