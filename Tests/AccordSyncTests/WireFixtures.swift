import AccordCore
import AccordStore
import AccordSync
import AccordTestSupport
import Foundation

/// Builders of wire messages, well-formed and hostile, for the wire tests and for the cases in
/// `sync-fixtures/wire/` (regenerated with `ACCORD_WRITE_WIRE_FIXTURES=1 swift test --filter WireFixtureTests`).
enum WireFixtures {
    /// The replica id the fixture cases' client states.
    static let client = ReplicaID("00000000000000a1")!
    /// A fixed instant in the past (2026-11-01T00:00:00Z), so fixture bodies never trip the clock rule.
    static let millis: UInt64 = 1_793_491_200_000

    /// A valid batch of the client's own first changes: `records` ALERT entries of KE, 3 fields
    /// each, signed after every run with the author's `FixtureKeys` key, which it declares.
    static func ownBatch(records: Int = 1, author: ReplicaID = client, office: String = "KE") -> ChangeBatch {
        var runs: [ChangeRun] = []
        var hasher = ChangeHasher()
        var previous: ChangeHash?
        for index in 0..<records {
            let domain = "fixture-\(index).example"
            let entries = [("domain", domain), ("status", "online"), ("category", "streaming")].enumerated().map {
                ChangeRun.Entry(hlc: HLC(millis: millis + UInt64(index), counter: UInt16($0.offset)), field: $0.element.0, value: .string($0.element.1))
            }
            let run = ChangeRun(author: author, firstSeq: UInt64(index * 3 + 1),
                                record: RecordID.alert(contributor: OfficeCode(office)!, normalizedDomain: domain),
                                previousHash: previous, entries: entries)
            previous = run.changes(hasher: &hasher).lastHash
            runs.append(run)
        }
        let key = FixtureKeys.key(for: author)
        return try! ChangeBatch(authors: [author: AuthorInfo(author: Author(office: OfficeCode(office)!, role: .office), name: "fixture-client", publicKey: key.publicKey)],
                                runs: runs).signingEveryRun { _ in key }
    }

    /// Changes of another office's replica, relayed by the client: its key is in no registry
    /// the server holds, so they are refused (`unknown-key`).
    static func relayedForeignBatch() -> ChangeBatch {
        ownBatch(records: 1, author: ReplicaID("00000000000000f1")!, office: "FR")
    }

    /// A frame whose declared payload length is `declared`, carrying a deflated payload that
    /// inflates to about `inflatedBytes` (one change whose value is that many "a"s).
    static func zipBomb(inflatedBytes: Int, declared: Int) -> [UInt8] {
        let run = ChangeRun(author: client, firstSeq: 1, record: RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: "bomb.example"),
                            previousHash: nil, entries: [ChangeRun.Entry(hlc: HLC(millis: millis), field: "notes", value: .string(String(repeating: "a", count: inflatedBytes)))])
        let frame = WireBatch.encode(ChangeBatch(runs: [run]))
        precondition(frame[4] == 1, "the bomb must be compressed")
        var reader = ByteReader(frame, offset: 5)
        _ = try! reader.varint()
        var header = ByteWriter()
        header.raw(Array(frame[0..<5]))
        header.varint(UInt64(declared))
        return header.bytes + Array(frame[reader.offset...])
    }

    /// A stored (uncompressed) frame around `payload`, declaring `declared` bytes (the truth by default).
    static func storedFrame(_ payload: [UInt8], declared: Int? = nil, format: UInt8 = WireBatch.formatVersion, compression: UInt8 = 0) -> [UInt8] {
        var writer = ByteWriter()
        writer.raw(Array("ACB".utf8))
        writer.byte(format)
        writer.byte(compression)
        writer.varint(UInt64(declared ?? payload.count))
        writer.raw(payload)
        return writer.bytes
    }

    /// The payload of `ownBatch()`, uncompressed.
    static func ownPayload() -> [UInt8] {
        let frame = WireBatch.encode(ownBatch(), compression: .none)
        var reader = ByteReader(frame, offset: 5)
        _ = try! reader.varint()
        return Array(frame[reader.offset...])
    }

    /// One author, one run that names author 5.
    static func unknownAuthorIndex() -> [UInt8] {
        var payload = ByteWriter()
        payload.varint(1)
        payload.raw([0, 0, 0, 0, 0, 0, 0, 0xa1])
        payload.byte(0)
        payload.varint(1)       // one run
        payload.varint(5)       // author index 5: there is only author 0
        payload.varint(1)
        payload.varint(1)
        payload.string("alert-KE-aaaaaaaaaaaaaaaa")
        payload.zigzag(Int64(HLC(millis: millis).rawValue))
        payload.byte(0)
        payload.raw([2, 9, 4, 1, 0x61])
        return storedFrame(payload.bytes)
    }
}
