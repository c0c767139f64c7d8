/// For each replica, the highest sequence number held. Because sequences have no gaps, this
/// says exactly which changes a replica has: all of `1...vector[r]` for every author `r`.
public struct VersionVector: Hashable, Sendable {
    public private(set) var heads: [ReplicaID: UInt64]

    public init(_ heads: [ReplicaID: UInt64] = [:]) { self.heads = heads.filter { $0.value > 0 } }

    public subscript(replica: ReplicaID) -> UInt64 {
        get { heads[replica] ?? 0 }
        set { heads[replica] = newValue == 0 ? nil : newValue }
    }

    /// True if this vector holds every change `other` holds.
    public func dominates(_ other: VersionVector) -> Bool {
        other.heads.allSatisfy { self[$0.key] >= $0.value }
    }

    /// The number of changes `other` holds that this one lacks.
    public func missingCount(from other: VersionVector) -> UInt64 {
        other.heads.reduce(0) { $0 + ($1.value > self[$1.key] ? $1.value - self[$1.key] : 0) }
    }
}
