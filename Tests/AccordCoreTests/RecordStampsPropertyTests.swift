import AccordCore
import PropertyBased
import Testing

/// The stamps kept beside a record's row (`RecordStamps`), together with the row's columns, give
/// back exactly the merged state, whatever changes made it: a write that reads a record from its
/// row must continue from the same state a replay of the log gives, or replicas would diverge.
@Suite("Record stamps")
struct RecordStampsPropertyTests {
    // More authors than `RecordStamps` holds inline.
    private static let authors = ["00000000000000a1", "ffffffffffffff03", "00000000000000b2", "0000000000000004", "8000000000000005"].map { ReplicaID($0)! }
    private static let activity = RecordID("act-KE-abc123")!

    /// Random writes to an activity: scalars of its schema, elements of its sets (added and
    /// removed), `_deleted`, and fields of a newer version (scalars, flags and set elements).
    private static let changes = Gen.uint64().array(of: 0...40).map { seeds in
        seeds.enumerated().map { offset, seed -> Change in
            let author = authors[Int(seed % 5)]
            let hlc = HLC(rawValue: (1_700_000_000_000 + (seed >> 8) % 5_000) << 16 | (seed >> 40) % 7)
            let choice = Int((seed >> 2) % 9)
            let text = ["", "Customs", "京都 training", "e\u{0301}", "x"][Int((seed >> 20) % 5)]
            let (field, element, value): (String, String?, FieldValue) = switch choice {
            case 0: ("title", nil, .string(text.isEmpty ? "T" : text))
            case 1: ("participant_count", nil, .int(Int64((seed >> 12) % 500)))
            case 2: ("end_date", nil, .null)
            case 3: ("participating_countries", ["KE", "UG", "TZ"][Int((seed >> 14) % 3)], .bool((seed >> 30) & 1 == 0))
            case 4: (Change.deletedField, nil, .bool((seed >> 31) & 1 == 0))
            case 5: ("future_note", nil, .string(text))
            case 6: ("future_flag", nil, .bool((seed >> 32) & 1 == 0))
            case 7: ("future_tags", ["a", "b", "京"][Int((seed >> 16) % 3)], .bool((seed >> 33) & 1 == 0))
            default: ("future_count", nil, .int(-Int64((seed >> 18) % 99)))
            }
            return Change(author: author, seq: UInt64(offset + 1) + (seed >> 50), hlc: hlc, record: activity, field: field,
                          element: element, value: value, previousHash: nil)
        }
    }

    private static func encoded(_ state: RecordState) -> [UInt8] {
        var writer = ByteWriter()
        RecordStamps.encode(state, into: &writer)
        return writer.bytes
    }

    @Test func stampsAndColumnsGiveBackTheMergedState() async {
        await propertyCheck(count: 500, input: Self.changes) { changes in
            var state = RecordState(id: Self.activity)
            for change in changes { state.apply(change) }
            let bytes = Self.encoded(state)
            // The columns a row holds: the value of each schema scalar.
            let decoded = try? RecordStamps.decode(bytes, id: Self.activity) { state.value(at: $0) }
            #expect(decoded == state, "\(changes)")
            // Deterministic: the decoded state encodes to the same bytes, in any process.
            if let decoded { #expect(Self.encoded(decoded) == bytes) }
        }
    }

    /// A value the row's column cannot give back exactly (a flag in a text field, from a newer
    /// version's schema) is kept in the stamps themselves.
    @Test func aValueNoColumnHoldsIsKeptInTheStamps() throws {
        var state = RecordState(id: Self.activity)
        state.apply(Change(author: Self.authors[0], seq: 1, hlc: HLC(rawValue: 1 << 20), record: Self.activity, field: "title",
                           element: nil, value: .bool(true), previousHash: nil))
        let decoded = try RecordStamps.decode(Self.encoded(state), id: Self.activity) { _ in .null }
        #expect(decoded == state)
    }

    @Test func damagedStampsAreRefused() {
        var state = RecordState(id: Self.activity)
        state.apply(Change(author: Self.authors[1], seq: 4, hlc: HLC(rawValue: 1 << 20), record: Self.activity, field: "title",
                           element: nil, value: .string("T"), previousHash: nil))
        let bytes = Self.encoded(state)
        for cut in 1..<bytes.count {
            #expect(throws: DecodingFailure.self) { try RecordStamps.decode(Array(bytes.prefix(cut)), id: Self.activity) { _ in .null } }
        }
        var wrongVersion = bytes
        wrongVersion[0] = 9
        #expect(throws: DecodingFailure.self) { try RecordStamps.decode(wrongVersion, id: Self.activity) { _ in .null } }
    }
}
