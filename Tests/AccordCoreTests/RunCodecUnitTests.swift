import AccordCore
import AccordTestSupport
import Testing

/// The run body is what the log stores and the wire carries: it must decode to exactly what was
/// encoded, and bytes from a hostile peer or a damaged file must fail with an error, never a
/// crash or a silently different change.
@Suite("RunBodyCodec and byte coding")
struct RunCodecUnitTests {
    private static let base = HLC(millis: 1_764_057_481_000, counter: 3)

    /// Every value tag, set elements, the deletion flag, a field unknown to this version, and
    /// clock steps from zero to a big jump.
    private static let entries: [ChangeRun.Entry] = [
        .init(hlc: base, field: "domain", value: .string("漫画.example")),
        .init(hlc: HLC(rawValue: base.rawValue + 1), field: "status", value: .string("offline")),
        .init(hlc: HLC(rawValue: base.rawValue + 1), field: "notes", value: .null),
        .init(hlc: HLC(millis: base.millis + 86_400_000), field: "_deleted", value: .bool(true)),
        .init(hlc: HLC(millis: base.millis + 86_400_001), field: "_deleted", value: .bool(false)),
        .init(hlc: HLC(millis: base.millis + 86_400_002), field: "future_field", value: .int(-42)),
        .init(hlc: HLC(millis: base.millis + 86_400_003), field: "future_set", element: "x", value: .bool(true)),
        .init(hlc: HLC(millis: base.millis + 86_400_004), field: "listed_on", value: .string("")),
        .init(hlc: HLC(millis: base.millis + 86_400_005), field: "kind", value: .int(.min)),
        .init(hlc: HLC(millis: base.millis + 86_400_006), field: "category", value: .int(.max)),
    ]

    private func encode(_ entries: [ChangeRun.Entry], kind: RecordKind = .alertUpload, base: HLC = base) -> [UInt8] {
        var writer = ByteWriter()
        RunBodyCodec.encode(entries, kind: kind, baseHLC: base, into: &writer)
        return writer.bytes
    }

    private func decode(_ bytes: [UInt8], kind: RecordKind = .alertUpload, base: HLC = base) throws(DecodingFailure) -> [ChangeRun.Entry] {
        var reader = ByteReader(bytes)
        return try RunBodyCodec.decode(&reader, count: 0, untilEnd: true, kind: kind, baseHLC: base)
    }

    @Test func roundTripsEveryValueTagFieldFormAndElement() throws {
        #expect(try decode(encode(Self.entries)) == Self.entries)
    }

    @Test func roundTripsASetFieldRunOfEachKind() throws {
        let sets: [(RecordKind, String)] = [(.activity, "audience"), (.trainingVariant, "partners"), (.alertUpload, "future")]
        for (kind, field) in sets {
            let entries = (0..<50).map { ChangeRun.Entry(hlc: HLC(rawValue: Self.base.rawValue + UInt64($0)), field: field, element: "e\($0)", value: .bool($0 % 3 != 0)) }
            #expect(try decode(encode(entries, kind: kind), kind: kind) == entries, "\(kind)")
        }
    }

    @Test func decodingACountStopsAfterThatManyEntries() throws {
        var reader = ByteReader(encode(Self.entries))
        let first = try RunBodyCodec.decode(&reader, count: 3, kind: .alertUpload, baseHLC: Self.base)
        #expect(first == Array(Self.entries.prefix(3)))
        #expect(!reader.isAtEnd)
    }

    /// Known fields are stored by schema position, so a six-field local write is compact.
    @Test func knownFieldsCostOneByteUnknownFieldsCarryTheirName() {
        let known = encode([.init(hlc: Self.base, field: "status", value: .null)])
        #expect(known == [0, 2 + 3, 0])
        let unknown = encode([.init(hlc: Self.base, field: "zz", value: .null)])
        #expect(unknown == [0, 0, 2, UInt8(ascii: "z"), UInt8(ascii: "z"), 0])
    }

    /// Every truncation of a valid body either fails or decodes to a prefix of the entries
    /// (when it ends exactly on an entry boundary); nothing is invented.
    @Test func everyTruncationFailsOrDecodesAPrefix() {
        let bytes = encode(Self.entries)
        for length in 0..<bytes.count {
            do {
                let decoded = try decode(Array(bytes.prefix(length)))
                #expect(Array(Self.entries.prefix(decoded.count)) == decoded, "length \(length)")
                #expect(decoded.count < Self.entries.count)
            } catch {
                #expect(error.offset <= length)
            }
        }
    }

    @Test func aBadValueTagIsRefused() {
        #expect(throws: DecodingFailure.self) { try decode([0, 2, 5]) }       // tag 5 does not exist
        #expect(throws: DecodingFailure.self) { try decode([0, 2, 0x10]) }    // unknown flag bits
    }

    @Test func anUnknownFieldNumberIsRefused() {
        let beyond = UInt8(RecordSchema.alertUpload.fields.count + 2)
        #expect(throws: DecodingFailure.self) { try decode([0, beyond, 0]) }
    }

    @Test func aStringLongerThanTheDataIsRefused() {
        #expect(throws: DecodingFailure.self) { try decode([0, 2, 4, 10, UInt8(ascii: "a")]) }
        // A huge declared length must not be trusted for an allocation.
        #expect(throws: DecodingFailure.self) { try decode([0, 2, 4, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]) }
    }

    @Test func invalidUTF8IsRefused() {
        #expect(throws: DecodingFailure.self) { try decode([0, 2, 4, 2, 0xC3, 0x28]) }
    }

    @Test func aClockThatOverflowsIsRefused() {
        var writer = ByteWriter()
        writer.varint(UInt64.max)
        writer.raw([2, 0])
        #expect(throws: DecodingFailure.self) { try decode(writer.bytes, base: HLC(rawValue: 1)) }
    }

    @Test func varintsRoundTripAtEveryWidth() throws {
        let values: [UInt64] = [0, 1, 127, 128, 255, 300, 16_383, 16_384, UInt64(UInt32.max), UInt64.max - 1, UInt64.max]
        var writer = ByteWriter()
        for value in values { writer.varint(value) }
        var reader = ByteReader(writer.bytes)
        for value in values { #expect(try reader.varint() == value) }
        #expect(reader.isAtEnd)
    }

    @Test func zigzagRoundTripsSignedValues() throws {
        let values: [Int64] = [0, -1, 1, -64, 64, .min, .max]
        var writer = ByteWriter()
        for value in values { writer.zigzag(value) }
        var reader = ByteReader(writer.bytes)
        for value in values { #expect(try reader.zigzag() == value) }
    }

    @Test func overlongVarintsAreRefused() {
        var eleven = ByteReader(Array(repeating: 0x80, count: 10) + [0x01])
        #expect(throws: DecodingFailure.self) { try eleven.varint() }
        var tooBig = ByteReader(Array(repeating: 0xFF, count: 9) + [0x02])
        #expect(throws: DecodingFailure.self) { try tooBig.varint() }
        var unterminated = ByteReader([0x80, 0x80])
        #expect(throws: DecodingFailure.self) { try unterminated.varint() }
    }

    @Test func rawReadsCheckTheirBounds() throws {
        var reader = ByteReader([1, 2, 3])
        #expect(try reader.raw(2) == [1, 2])
        #expect(throws: DecodingFailure.self) { try reader.raw(2) }
        #expect(throws: DecodingFailure.self) { try reader.raw(-1) }
        #expect(try reader.byte() == 3)
        #expect(throws: DecodingFailure.self) { try reader.byte() }
    }

    /// Random bytes must never crash the decoder (a fuzz pass with a fixed seed).
    @Test func randomBytesNeverCrashTheDecoder() {
        var generator = SeededRandom(seed: 99)
        for _ in 0..<3_000 {
            let count = Int.random(in: 0...40, using: &generator)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            for kind in RecordKind.allCases { _ = try? decode(bytes, kind: kind) }
        }
    }
}
