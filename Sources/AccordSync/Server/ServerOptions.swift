/// What a serving replica enforces, beyond what its store's merge enforces on its own.
public struct ServerOptions: Sendable {
    /// Changes stamped further ahead of the server's clock are refused (default 10 minutes).
    public var maxClockSkewMillis: UInt64
    /// Bounds on pushed batches, checked before and while decoding.
    public var limits: WireLimits
    /// The most changes one pull response carries, whatever the client asks.
    public var maxPullChanges: Int

    public init(maxClockSkewMillis: UInt64 = 600_000, limits: WireLimits = WireLimits(),
                maxPullChanges: Int = SyncProtocol.maxPullChanges) {
        self.maxClockSkewMillis = maxClockSkewMillis
        self.limits = limits
        self.maxPullChanges = maxPullChanges
    }

    /// The largest vector message accepted: every author of the largest batch, 8 bytes of id
    /// and up to 10 of sequence number each.
    var maxVectorBytes: Int { 16 + limits.maxAuthors * 18 }
}
