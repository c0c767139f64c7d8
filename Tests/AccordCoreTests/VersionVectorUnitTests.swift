import AccordCore
import Testing

/// Version vectors decide what a sync sends: they must say exactly which changes are missing.
@Suite("VersionVector")
struct VersionVectorUnitTests {
    private let a = ReplicaID("000000000000000a")!
    private let b = ReplicaID("000000000000000b")!
    private let c = ReplicaID("000000000000000c")!

    @Test func absentReplicasReadAsZeroAndZeroIsNotStored() {
        var vector = VersionVector([a: 3, b: 0])
        #expect(vector[a] == 3)
        #expect(vector[b] == 0)
        #expect(vector.heads.keys.sorted() == [a])
        vector[a] = 0
        #expect(vector.heads.isEmpty)
        #expect(vector == VersionVector())
    }

    @Test func dominatesMeansHoldsEverythingTheOtherHolds() {
        let big = VersionVector([a: 5, b: 2])
        #expect(big.dominates(VersionVector([a: 5])))
        #expect(big.dominates(VersionVector([a: 4, b: 2])))
        #expect(big.dominates(VersionVector()))
        #expect(!big.dominates(VersionVector([a: 6])))
        #expect(!big.dominates(VersionVector([c: 1])))
        #expect(big.dominates(big))
    }

    @Test func missingCountCountsOnlyWhatIsAhead() {
        let mine = VersionVector([a: 5, b: 2])
        let theirs = VersionVector([a: 3, b: 7, c: 4])
        #expect(mine.missingCount(from: theirs) == 5 + 4)
        #expect(theirs.missingCount(from: mine) == 2)
        #expect(mine.missingCount(from: mine) == 0)
    }
}
