import AccordCore
import Foundation
import AccordTestSupport
import Testing

/// Checks `sync-fixtures/hashes.json`, the vectors another implementation uses to reproduce
/// Accord's chain hashes. The expected bytes and hashes were produced by a separate Python
/// implementation of the layout in `sync-fixtures/README.md`; here they are checked three ways:
/// against `CanonicalEncoding`/`ChangeHasher` (the code), against an encoder written in this
/// file from the README alone, and against a SHA-256 written in this file (FIPS 180-4), so a
/// fault in the code, in the document or in the vectors cannot confirm itself.
@Suite("Canonical encoding vectors")
struct CanonicalEncodingVectorTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var chain: String
        var change: Change
        var hlcText: String
        var canonical: [UInt8]
        var hash: [UInt8]
        var testDescription: String { "\(chain) seq \(change.seq)" }
    }

    static let file = MergeFixture.directory.deletingLastPathComponent().appendingPathComponent("hashes.json")

    static func chains() throws -> [(name: String, vectors: [Vector])] {
        let root = try JSONValue.parse(Array(try Data(contentsOf: file)))
        guard root["format"] == .string("accord-canonical-vectors/1"), case .array(let chains)? = root["chains"] else {
            throw FixtureError(file: "hashes.json", message: "format or chains missing")
        }
        return try chains.map { chain in
            guard case .string(let name)? = chain["name"], case .array(let changes)? = chain["changes"] else {
                throw FixtureError(file: "hashes.json", message: "a chain needs a name and changes")
            }
            return (name, try changes.map { try vector($0, chain: name) })
        }
    }

    static func vector(_ json: JSONValue, chain: String) throws -> Vector {
        func fail(_ what: String) -> FixtureError { FixtureError(file: "hashes.json", message: "\(chain): \(what)") }
        guard case .string(let author)? = json["author"], let replica = ReplicaID(author),
              case .int(let seq)? = json["seq"], case .int(let hlc)? = json["hlc"], case .string(let hlcText)? = json["hlc_text"],
              case .string(let record)? = json["record"], let recordID = RecordID(record), case .string(let field)? = json["field"],
              case .string(let canonical)? = json["canonical"], let canonicalBytes = bytes(hex: canonical),
              case .string(let hash)? = json["hash"], let hashBytes = bytes(hex: hash), hashBytes.count == 32 else { throw fail("malformed change") }
        var element: String?
        if case .string(let text)? = json["element"] { element = text }
        let value: FieldValue
        switch json["value"] {
        case .null?: value = .null
        case .bool(let flag)?: value = .bool(flag)
        case .int(let number)?: value = .int(number)
        case .string(let text)?: value = .string(text)
        default: throw fail("bad value")
        }
        var previous: ChangeHash?
        switch json["prev_hash"] {
        case .null?: previous = nil
        case .string(let hex)?: previous = ChangeHash(hex: hex)
            if previous == nil { throw fail("bad prev_hash") }
        default: throw fail("prev_hash missing")
        }
        let change = Change(author: replica, seq: UInt64(seq), hlc: HLC(rawValue: UInt64(hlc)), record: recordID, field: field,
                            element: element, value: value, previousHash: previous)
        return Vector(chain: chain, change: change, hlcText: hlcText, canonical: canonicalBytes, hash: hashBytes)
    }

    static var allVectors: [Vector] { ((try? chains()) ?? []).flatMap(\.vectors) }

    @Test func vectorFileCoversEveryValueTagAndSeveralChains() throws {
        let chains = try Self.chains()
        #expect(chains.count >= 3)
        let tags = Set(chains.flatMap(\.vectors).map { vector -> String in
            switch vector.change.value {
            case .null: "null"
            case .bool(let flag): "\(flag)"
            case .int: "int"
            case .string: "string"
            }
        })
        #expect(tags == ["null", "false", "true", "int", "string"])
        #expect(chains.flatMap(\.vectors).contains { $0.change.element != nil })
    }

    @Test(arguments: allVectors)
    func codeProducesTheVectorBytesAndHash(_ vector: Vector) {
        #expect(CanonicalEncoding.encode(vector.change) == vector.canonical)
        var hasher = ChangeHasher()
        #expect(hasher.hash(vector.change).bytes == vector.hash)
    }

    @Test(arguments: allVectors)
    func documentedLayoutAndIndependentSHA256AgreeWithTheVector(_ vector: Vector) {
        #expect(Self.encodeFromTheREADME(vector.change) == vector.canonical)
        #expect(ReferenceSHA256.digest(vector.canonical) == vector.hash)
        #expect(FixtureHLC.parse(vector.hlcText) == vector.change.hlc, "hlc_text and hlc name the same stamp")
    }

    /// Each change of a chain carries its predecessor's hash, as the merge checks.
    @Test func eachChangeCarriesThePreviousHash() throws {
        for chain in try Self.chains() {
            for (earlier, later) in zip(chain.vectors, chain.vectors.dropFirst()) {
                #expect(later.change.seq == earlier.change.seq + 1, "\(chain.name)")
                #expect(later.change.previousHash?.bytes == earlier.hash, "\(chain.name) seq \(later.change.seq)")
            }
            if chain.vectors.first?.change.seq == 1 { #expect(chain.vectors.first?.change.previousHash == nil) }
        }
    }

    /// A run of the vectors' changes hashes to the same chain through `ChangeRun.changes`.
    @Test func changeRunReproducesTheChain() throws {
        for chain in try Self.chains() {
            let first = try #require(chain.vectors.first).change
            var hasher = ChangeHasher()
            let run = ChangeRun(author: first.author, firstSeq: first.seq, record: first.record, previousHash: first.previousHash,
                                entries: chain.vectors.filter { $0.change.record == first.record }.map {
                                    ChangeRun.Entry(hlc: $0.change.hlc, field: $0.change.field, element: $0.change.element, value: $0.change.value)
                                })
            let (changes, last) = run.changes(hasher: &hasher)
            #expect(last?.bytes == chain.vectors[changes.count - 1].hash, "\(chain.name)")
        }
    }

    /// The layout of `sync-fixtures/README.md`, written out again without `CanonicalEncoding`.
    static func encodeFromTheREADME(_ change: Change) -> [UInt8] {
        func u32(_ value: UInt32) -> [UInt8] { (0..<4).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) } }
        func u64(_ value: UInt64) -> [UInt8] { (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) } }
        func str(_ text: String) -> [UInt8] { u32(UInt32(text.utf8.count)) + Array(text.utf8) }
        var out: [UInt8] = [1]
        out += str(change.author.rawValue) + u64(change.seq) + u64(change.hlc.rawValue) + str(change.record.rawValue) + str(change.field)
        out += change.element.map { [1] + str($0) } ?? [0]
        switch change.value {
        case .null: out += [0]
        case .bool(false): out += [1]
        case .bool(true): out += [2]
        case .int(let number): out += [3] + u64(UInt64(bitPattern: number))
        case .string(let text): out += [4] + str(text)
        }
        out += change.previousHash?.bytes ?? [UInt8](repeating: 0, count: 32)
        return out
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
        }
        return out
    }
}

/// SHA-256 as specified in FIPS 180-4, for checking the vectors without the library the code
/// uses. Slow and simple; the vectors are small.
enum ReferenceSHA256 {
    static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    static func digest(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        var data = message + [0x80]
        while data.count % 64 != 56 { data.append(0) }
        let bits = UInt64(message.count) * 8
        data += (0..<8).reversed().map { UInt8(truncatingIfNeeded: bits >> (8 * UInt64($0))) }
        func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        for block in stride(from: 0, to: data.count, by: 64) {
            var w = (0..<16).map { i -> UInt32 in
                (0..<4).reduce(0) { ($0 << 8) | UInt32(data[block + 4 * i + $1]) }
            }
            for i in 16..<64 {
                let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w.append(w[i - 16] &+ s0 &+ w[i - 7] &+ s1)
            }
            var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
            for i in 0..<64 {
                let t1 = hh &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[i] &+ w[i]
                let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            for (i, v) in [a, b, c, d, e, f, g, hh].enumerated() { h[i] = h[i] &+ v }
        }
        return h.flatMap { word in (0..<4).reversed().map { UInt8(truncatingIfNeeded: word >> (8 * UInt32($0))) } }
    }
}

extension ReferenceSHA256 {
    /// The reference implementation itself is checked against FIPS 180-2's published examples.
    static let knownAnswers: [(String, String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ]
}

@Test("The test's own SHA-256 gives the FIPS 180-2 example digests")
func referenceSHA256MatchesPublishedExamples() {
    for (message, hex) in ReferenceSHA256.knownAnswers {
        #expect(ReferenceSHA256.digest(Array(message.utf8)) == CanonicalEncodingVectorTests.bytes(hex: hex), "\(message)")
    }
}
