import AccordCore
import Testing

/// Each author's changes form a hash chain over their canonical encoding, so any altered,
/// dropped or reordered change is detectable. Runs group consecutive changes for storage.
@Suite("Change chain, canonical encoding, runs")
struct ChangeChainUnitTests {
    private let author = ReplicaID("3f9a0c1d2e4b5a69")!
    private let record = RecordID("alert-KE-3j8f1q0c6w2m9t4b")!

    private func change(seq: UInt64, field: String = "status", element: String? = nil, value: FieldValue = .string("online"),
                        previous: ChangeHash? = nil, record: RecordID? = nil) -> Change {
        Change(author: author, seq: seq, hlc: HLC(millis: 1_000 + seq), record: record ?? self.record, field: field,
               element: element, value: value, previousHash: previous)
    }

    @Test func theCanonicalEncodingFollowsTheDocumentedLayout() {
        let bytes = CanonicalEncoding.encode(change(seq: 1, value: .null))
        var expected: [UInt8] = [1]
        func string(_ text: String) { expected += [0, 0, 0, UInt8(text.utf8.count)] + Array(text.utf8) }
        func u64(_ value: UInt64) { expected += (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        string("3f9a0c1d2e4b5a69")
        u64(1)
        u64(HLC(millis: 1_001).rawValue)
        string("alert-KE-3j8f1q0c6w2m9t4b")
        string("status")
        expected += [0, 0]
        expected += Array(repeating: 0, count: 32)
        #expect(bytes == expected)
    }

    /// Every part of a change is covered by its hash.
    @Test func theHashChangesWhenAnyPartOfTheChangeChanges() {
        var hasher = ChangeHasher()
        let original = change(seq: 2, previous: ChangeHash(bytes: Array(repeating: 7, count: 32)))
        var variants: [Change] = []
        var c = original; c.author = ReplicaID("3f9a0c1d2e4b5a6a")!; variants.append(c)
        c = original; c.seq = 3; variants.append(c)
        c = original; c.hlc = HLC(rawValue: original.hlc.rawValue + 1); variants.append(c)
        c = original; c.record = RecordID("alert-KE-3j8f1q0c6w2m9t4c")!; variants.append(c)
        c = original; c.field = "kind"; variants.append(c)
        c = original; c.element = "online"; variants.append(c)
        c = original; c.value = .string("offline"); variants.append(c)
        c = original; c.value = .null; variants.append(c)
        c = original; c.previousHash = ChangeHash(bytes: Array(repeating: 8, count: 32)); variants.append(c)
        c = original; c.previousHash = nil; variants.append(c)
        let hashes = Set(([original] + variants).map { hasher.hash($0) })
        #expect(hashes.count == variants.count + 1)
    }

    /// "a" + "bc" and "ab" + "c" in neighbouring fields must not collide (length prefixes).
    @Test func fieldBoundariesAreUnambiguous() {
        var hasher = ChangeHasher()
        let one = change(seq: 1, field: "ab", element: "c")
        let two = change(seq: 1, field: "a", element: "bc")
        #expect(hasher.hash(one) != hasher.hash(two))
        #expect(hasher.hash(change(seq: 1, value: .int(1))) != hasher.hash(change(seq: 1, value: .bool(false))))
    }

    @Test func hashesAreStableAndHexRoundTrips() throws {
        var hasher = ChangeHasher()
        let hash = hasher.hash(change(seq: 1))
        #expect(hasher.hash(change(seq: 1)) == hash)
        #expect(hash.hex.count == 64)
        #expect(ChangeHash(hex: hash.hex) == hash)
        #expect(ChangeHash(hex: String(hash.hex.dropLast())) == nil)
        #expect(ChangeHash(hex: String(repeating: "g", count: 64)) == nil)
        #expect(ChangeHash(bytes: [1, 2, 3]) == nil)
    }

    @Test func aRunChainsEachChangeToItsPredecessor() throws {
        var hasher = ChangeHasher()
        let previous = hasher.hash(change(seq: 4))
        let run = ChangeRun(author: author, firstSeq: 5, record: record, previousHash: previous, entries: [
            .init(hlc: HLC(millis: 2_000), field: "status", value: .string("offline")),
            .init(hlc: HLC(millis: 2_000, counter: 1), field: "removed_on", value: .string("2026-11-24")),
            .init(hlc: HLC(millis: 2_000, counter: 2), field: "_deleted", value: .bool(true)),
        ])
        #expect(run.lastSeq == 7)
        let (changes, lastHash) = run.changes(hasher: &hasher)
        #expect(changes.map(\.seq) == [5, 6, 7])
        #expect(changes[0].previousHash == previous)
        #expect(changes[1].previousHash == hasher.hash(changes[0]))
        #expect(changes[2].previousHash == hasher.hash(changes[1]))
        #expect(lastHash == hasher.hash(changes[2]))
    }

    @Test func groupingMakesOneRunPerConsecutiveStretchOfOneRecord() throws {
        var hasher = ChangeHasher()
        let other = try #require(RecordID("alert-KE-aaaa"))
        var changes: [Change] = []
        var previous: ChangeHash?
        for (seq, target) in [(1, record), (2, record), (3, other), (4, record), (5, record), (6, record)] {
            let next = change(seq: UInt64(seq), previous: previous, record: target)
            previous = hasher.hash(next)
            changes.append(next)
        }
        let runs = ChangeRun.group(changes)
        #expect(runs.map { $0.firstSeq...$0.lastSeq } == [1...2, 3...3, 4...6])
        #expect(runs.map(\.record) == [record, other, record])
        // Expanding the runs again gives back exactly the changes, hashes included.
        let expanded = runs.flatMap { $0.changes(hasher: &hasher).changes }
        #expect(expanded == changes)
    }

    /// A gap in sequence numbers starts a new run, so a run never hides a missing change.
    @Test func aSequenceGapStartsANewRun() {
        let runs = ChangeRun.group([change(seq: 1), change(seq: 2), change(seq: 4)])
        #expect(runs.map(\.firstSeq) == [1, 4])
    }

    @Test func stampsOrderByClockThenReplicaThenSeq() throws {
        let low = try #require(ReplicaID("0000000000000001"))
        let high = try #require(ReplicaID("0000000000000002"))
        let clock = HLC(millis: 5)
        #expect(Stamp(hlc: clock, author: low, seq: 9) < Stamp(hlc: clock, author: high, seq: 1))
        #expect(Stamp(hlc: clock, author: high, seq: 1) < Stamp(hlc: HLC(millis: 5, counter: 1), author: low, seq: 1))
        #expect(Stamp(hlc: clock, author: low, seq: 1) < Stamp(hlc: clock, author: low, seq: 2))
    }
}
