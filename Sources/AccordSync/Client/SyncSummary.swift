import AccordCore
import AccordStore

/// What one sync did, for the one-line summary and the refusal details.
public struct SyncSummary: Sendable {
    /// Changes the server newly stored from this replica.
    public var pushed = 0
    /// Changes this replica newly stored from the server.
    public var pulled = 0
    /// Runs the server refused, with the rule each broke.
    public var refusedByServer: [PushReport.Run] = []
    /// Runs the server held back behind a refused one.
    public var heldByServer: [PushReport.Run] = []
    /// Runs this replica refused when merging what it pulled.
    public var refusedLocally: [RefusedRun] = []
    /// Changes of other offices' replicas held here but not offered to the server, which only
    /// accepts them from their own office (they get there from that office).
    public var notOffered = 0
    public var traffic = SyncClient.Traffic()

    public init() {}

    /// Refused runs, on either side.
    public var refusedCount: Int { refusedByServer.count + refusedLocally.count }

    /// `pushed 12, pulled 30, refused 0`
    public var line: String { "pushed \(pushed), pulled \(pulled), refused \(refusedCount)" }

    /// One line per refusal, naming the run, the rule and the reason (clock offsets included).
    public var refusalDetails: [String] {
        refusedByServer.map { "refused by the server: \($0)" }
            + heldByServer.map { "held by the server (waits for a refused change): \($0.author):\($0.seqs.first ?? 0)-\($0.seqs.last ?? 0) \($0.record)" }
            + refusedLocally.map { "refused here: \($0.author):\($0.seqs.lowerBound)-\($0.seqs.upperBound) \($0.record) [\($0.rule)]: \($0.reason)" }
    }
}

/// Where a sync is, for a progress display.
public struct SyncProgress: Sendable {
    public enum Phase: String, Sendable { case push, pull }
    public var phase: Phase
    /// Changes sent or received so far in this phase.
    public var done: Int
    /// Changes the vectors said were missing at the start (the other side may gain more meanwhile).
    public var expected: Int
}
