import AccordCore
import AccordStore

/// What the server did with a pushed batch: the JSON body of a successful push.
///
/// Refusal policy: a push is never all-or-nothing. Runs that break a rule are listed by author,
/// sequence numbers and record with the rule they broke, nothing of them is stored, and every
/// other valid run of the batch is applied (all in one transaction). Later runs of an author
/// whose run was refused are `held`: they wait for the refused one and can be sent again once
/// the cause is fixed (a clock corrected, for example).
public struct PushReport: Codable, Sendable, Hashable {
    public struct Run: Codable, Sendable, Hashable, CustomStringConvertible {
        public var author: String
        /// First and last sequence number of the run.
        public var seqs: [UInt64]
        public var record: String
        public var rule: String
        public var reason: String

        public init(_ run: RefusedRun) {
            author = run.author.rawValue
            seqs = [run.seqs.lowerBound, run.seqs.upperBound]
            record = run.record.rawValue
            rule = run.rule
            reason = run.reason
        }

        public var description: String {
            "\(author):\(seqs.first ?? 0)-\(seqs.last ?? 0) \(record) [\(rule)]: \(reason)"
        }
    }

    /// Changes newly stored.
    public var applied: Int
    /// Changes the server already held (ignored).
    public var duplicates: Int
    public var refused: [Run]
    public var held: [Run]

    public init(applied: Int = 0, duplicates: Int = 0, refused: [Run] = [], held: [Run] = []) {
        self.applied = applied
        self.duplicates = duplicates
        self.refused = refused
        self.held = held
    }

    public init(_ report: MergeReport, screened: [RefusedRun] = []) {
        self.init(applied: report.applied, duplicates: report.duplicates,
                  refused: (screened + report.refused).map(Run.init), held: report.held.map(Run.init))
    }

    /// Changes in refused runs.
    public var refusedChanges: Int { refused.reduce(0) { $0 + Int(($1.seqs.last ?? 0) - ($1.seqs.first ?? 0) + 1) } }
}
