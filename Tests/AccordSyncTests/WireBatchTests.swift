import AccordCore
import AccordStore
import AccordSync
import Foundation
import Testing

/// The wire encoding of change batches and version vectors: exact round trips, compactness,
/// and a precise error for every kind of damaged or hostile input.
@Suite("Wire format")
struct WireBatchTests {
    static let kenya = ReplicaID("000000000000000a")!
    static let france = ReplicaID("00000000000000fb")!

    /// A batch as a replica would send it: several authors, runs that chain, every value kind.
    static func sampleBatch(records: Int = 3) -> ChangeBatch {
        var runs: [ChangeRun] = []
        var hasher = ChangeHasher()
        var previous: ChangeHash?
        var seq: UInt64 = 1
        for index in 0..<records {
            let record = RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: "site\(index).example")
            let entries = [
                ChangeRun.Entry(hlc: HLC(millis: 1_764_000_000_000 + UInt64(index), counter: 0), field: "domain", value: .string("site\(index).example")),
                ChangeRun.Entry(hlc: HLC(millis: 1_764_000_000_000 + UInt64(index), counter: 1), field: "status", value: .string("online")),
                ChangeRun.Entry(hlc: HLC(millis: 1_764_000_000_000 + UInt64(index), counter: 2), field: "notes", value: .null),
                ChangeRun.Entry(hlc: HLC(millis: 1_764_000_000_000 + UInt64(index), counter: 3), field: "future_field", value: .int(-42)),
                ChangeRun.Entry(hlc: HLC(millis: 1_764_000_000_000 + UInt64(index), counter: 4), field: "_deleted", value: .bool(false)),
            ]
            let run = ChangeRun(author: kenya, firstSeq: seq, record: record, previousHash: previous, entries: entries)
            previous = run.changes(hasher: &hasher).lastHash
            seq = run.lastSeq + 1
            runs.append(run)
        }
        let activity = RecordID("act-FR-seminar1")!
        runs.append(ChangeRun(author: france, firstSeq: 7, record: activity, previousHash: ChangeHash(bytes: Array(repeating: 7, count: 32)),
                              entries: [ChangeRun.Entry(hlc: HLC(millis: 1_764_000_000_500), field: "organizers", element: "WIPO", value: .bool(true))]))
        return ChangeBatch(authors: [kenya: AuthorInfo(author: Author(office: OfficeCode("KE")!, role: .office), name: "nairobi-1"),
                                     france: AuthorInfo(author: Author(office: OfficeCode("FR")!, role: .office), name: nil)],
                           runs: runs)
    }

    @Test func roundTripIsExact() throws {
        let batch = Self.sampleBatch()
        for compression in [WireBatch.Compression.automatic, .none] {
            #expect(try WireBatch.decode(WireBatch.encode(batch, compression: compression)) == batch)
        }
        #expect(try WireBatch.decode(WireBatch.encode(ChangeBatch(runs: []))) == ChangeBatch(runs: []))
    }

    @Test func largeBatchRoundTripsAndIsCompact() throws {
        // 10,000 records × 6 fields, the yardstick: at most 0.7 MB on the wire.
        var runs: [ChangeRun] = []
        var hasher = ChangeHasher()
        var previous: ChangeHash?
        let author = ReplicaID("1234567890abcdef")!
        for index in 0..<10_000 {
            let domain = "pirate-site-\(index).example"
            let base = 1_764_000_000_000 + UInt64(index) * 3
            let entries = ["domain": domain, "status": "online", "category": "streaming", "kind": "website",
                           "listed_on": "2026-09-01", "legal_basis": "Copyright Act 2001 s.35"].sorted { $0.key < $1.key }
                .enumerated().map { ChangeRun.Entry(hlc: HLC(millis: base, counter: UInt16($0.offset)), field: $0.element.key, value: .string($0.element.value)) }
            let run = ChangeRun(author: author, firstSeq: UInt64(index * 6 + 1), record: RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: domain),
                                previousHash: previous, entries: entries)
            previous = run.changes(hasher: &hasher).lastHash
            runs.append(run)
        }
        let batch = ChangeBatch(authors: [author: AuthorInfo(author: Author(office: OfficeCode("KE")!, role: .office), name: "nairobi-1")], runs: runs)
        let frame = WireBatch.encode(batch)
        #expect(frame.count <= 700_000, "10,000 × 6 changes took \(frame.count) bytes")
        #expect(try WireBatch.decode(frame) == batch)
    }

    @Test func vectorMessageRoundTripsAndRefusesDamage() throws {
        let vector = VersionVector([Self.kenya: 300, Self.france: 7, ReplicaID("ffffffffffffffff")!: UInt64.max])
        let bytes = VectorMessage.encode(vector)
        #expect(try VectorMessage.decode(bytes) == vector)
        #expect(try VectorMessage.decode(VectorMessage.encode(VersionVector())) == VersionVector())
        #expect(VectorMessage.encode(VersionVector()) == Array("ACV".utf8) + [1, 0])

        func code(_ bytes: [UInt8]) -> String? {
            do { _ = try VectorMessage.decode(bytes, maxEntries: 10); return nil } catch { return error.code }
        }
        #expect(code(Array("ACB".utf8) + [1, 0]) == "vector-malformed")
        #expect(code(Array("ACV".utf8) + [2, 0]) == "vector-unsupported-format")
        #expect(code(Array(bytes.dropLast())) == "vector-malformed")
        #expect(code(bytes + [0]) == "vector-malformed")
        #expect(code(Array("ACV".utf8) + [1, 11] + Array(repeating: 1, count: 200)) == "vector-malformed")
        // Out of order, and a zero sequence number.
        let one = [UInt8](repeating: 0, count: 7) + [1], two = [UInt8](repeating: 0, count: 7) + [2]
        #expect(code(Array("ACV".utf8) + [1, 2] + two + [1] + one + [1]) == "vector-malformed")
        #expect(code(Array("ACV".utf8) + [1, 1] + one + [0]) == "vector-malformed")
    }

    @Test func decodeErrorsNameWhatIsWrong() throws {
        let good = WireBatch.encode(Self.sampleBatch(), compression: .none)
        func error(_ frame: [UInt8], limits: WireLimits = WireLimits()) -> WireFormatError? {
            do { _ = try WireBatch.decode(frame, limits: limits); return nil } catch { return error }
        }
        #expect(error(Array("XYZ".utf8) + good.dropFirst(3))?.code == "batch-malformed")
        #expect(error([good[0], good[1], good[2], 9] + good.dropFirst(4))?.code == "batch-unsupported-format")
        #expect(error([good[0], good[1], good[2], 1, 7] + good.dropFirst(5))?.code == "batch-unsupported-format")
        #expect(error(Array(good.dropLast(5)))?.message.contains("declares") == true)
        #expect(error(good, limits: WireLimits(maxFrameBytes: 100))?.code == "batch-too-large")
        #expect(error(good, limits: WireLimits(maxChanges: 4))?.code == "batch-too-large")
        // A zip bomb: 8 MiB of one letter deflates to a few kilobytes; a declared size over the
        // limit is refused before anything is inflated, and a lie about the size is caught
        // without inflating past the lie.
        let bomb = WireFixtures.zipBomb(inflatedBytes: 8 << 20, declared: 8 << 20)
        #expect(bomb.count < 20_000)
        #expect(error(bomb, limits: WireLimits(maxPayloadBytes: 4 << 20))?.code == "batch-too-large")
        let liar = WireFixtures.zipBomb(inflatedBytes: 8 << 20, declared: 1_000)
        #expect(error(liar)?.message.contains("more than the 1000 bytes") == true)
        // An author index past the author table.
        #expect(error(WireFixtures.unknownAuthorIndex())?.message.contains("names author 5") == true)
    }
}
