import AccordCore
import AccordTestSupport
import Testing

/// The merge rules of the brief on one record, without a database: last writer wins by
/// (HLC, replica id), set elements merge one by one, delete is a flag an edit cannot undo,
/// and applying changes twice or in another order gives the same state.
@Suite("RecordState merge rules")
struct RecordStateUnitTests {
    private let id = RecordID("act-KE-abc123")!
    private let low = ReplicaID("0000000000000001")!
    private let high = ReplicaID("0000000000000002")!

    private func write(_ author: ReplicaID, _ seq: UInt64, at millis: UInt64, _ field: String, element: String? = nil, _ value: FieldValue) -> Change {
        Change(author: author, seq: seq, hlc: HLC(millis: millis), record: id, field: field, element: element, value: value, previousHash: nil)
    }

    private func state(_ changes: [Change]) -> RecordState {
        var state = RecordState(id: id)
        for change in changes { state.apply(change) }
        return state
    }

    @Test func theLaterClockWinsWhateverTheOrder() {
        let older = write(high, 1, at: 100, "title", .string("old"))
        let newer = write(low, 1, at: 200, "title", .string("new"))
        #expect(state([older, newer]).value(of: "title") == .string("new"))
        #expect(state([newer, older]).value(of: "title") == .string("new"))
    }

    /// Equal stamps: the greater replica id wins on every replica.
    @Test func aClockTieIsBrokenByReplicaID() {
        let fromLow = write(low, 1, at: 100, "title", .string("low"))
        let fromHigh = write(high, 1, at: 100, "title", .string("high"))
        #expect(state([fromLow, fromHigh]).value(of: "title") == .string("high"))
        #expect(state([fromHigh, fromLow]).value(of: "title") == .string("high"))
    }

    @Test func concurrentAddsOfDifferentElementsBothSurvive() {
        let changes = [
            write(low, 1, at: 100, "audience", element: "judges", .bool(true)),
            write(high, 1, at: 100, "audience", element: "police", .bool(true)),
            write(high, 2, at: 150, "audience", element: "customs", .bool(true)),
            write(low, 2, at: 160, "audience", element: "customs", .bool(false)),
        ]
        #expect(state(changes).elements(of: "audience") == ["judges", "police"])
        #expect(state(changes.reversed()).elements(of: "audience") == ["judges", "police"])
    }

    /// An older add delivered late cannot bring back a removed element.
    @Test func aLateOlderAddDoesNotResurrectARemovedElement() {
        let add = write(low, 1, at: 100, "audience", element: "judges", .bool(true))
        let remove = write(high, 1, at: 200, "audience", element: "judges", .bool(false))
        #expect(state([remove, add]).elements(of: "audience").isEmpty)
    }

    @Test func aConcurrentEditDoesNotResurrectADeletedRecordAndARestoreKeepsIt() {
        let created = write(low, 1, at: 100, "title", .string("t"))
        let deleted = write(low, 2, at: 200, Change.deletedField, .bool(true))
        let edit = write(high, 1, at: 300, "notes", .string("concurrent edit"))
        let merged = state([created, edit, deleted])
        #expect(merged.isDeleted)
        #expect(merged.value(of: "notes") == .string("concurrent edit"))
        let restored = state([created, edit, deleted, write(low, 3, at: 400, Change.deletedField, .bool(false))])
        #expect(!restored.isDeleted)
        #expect(restored.json()["notes"] == .string("concurrent edit"))
    }

    @Test func applyingTwiceOrInAnyOrderGivesTheSameState() {
        var generator = SeededRandom(seed: 7)
        let fields = ["title", "notes", "city"]
        var changes: [Change] = []
        for seq in 1...30 {
            let author = seq % 2 == 0 ? low : high
            if seq % 3 == 0 {
                changes.append(write(author, UInt64(seq), at: UInt64.random(in: 1...20, using: &generator), "audience", element: ["a", "b", "c"].randomElement(using: &generator)!, .bool(Bool.random(using: &generator))))
            } else {
                changes.append(write(author, UInt64(seq), at: UInt64.random(in: 1...20, using: &generator), fields.randomElement(using: &generator)!, .string("v\(seq)")))
            }
        }
        let reference = state(changes)
        for _ in 0..<20 {
            let shuffled = (changes + changes.prefix(10)).shuffled(using: &generator)
            let other = state(shuffled)
            #expect(other == reference)
            #expect(other.json().serialized == reference.json().serialized)
        }
        var twice = reference
        for change in changes {
            let changed = twice.apply(change)
            #expect(!changed)
        }
        #expect(twice == reference)
    }

    /// Fields from a newer version are shown and kept, never dropped.
    @Test func unknownFieldsAppearInTheInterchangeForm() {
        let merged = state([
            write(low, 1, at: 100, "title", .string("t")),
            write(low, 2, at: 101, "budget_chf", .int(5_000)),
            write(low, 3, at: 102, "themes", element: "music", .bool(true)),
        ])
        let json = merged.json()
        #expect(json["budget_chf"] == .int(5_000))
        #expect(json["themes"] == .array([.string("music")]))
        #expect(json["title_en"] == .null)
        #expect(json["organizers"] == .array([]))
        #expect(json["owner"] == .string("KE"))
        #expect(json[Change.deletedField] == nil)
        #expect(json["deleted"] == nil)
    }
}
