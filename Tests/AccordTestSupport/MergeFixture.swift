import AccordCore
import Foundation

/// One case of `sync-fixtures/merge/`, decoded and checked: the language-neutral description of
/// the merge contract (changes in, records out) that both the pure runner (AccordCoreTests) and
/// the SQLite runner (AccordStoreTests) execute. The format is documented in
/// `sync-fixtures/README.md`; everything that file promises is checked here when a case loads,
/// so a malformed case fails loudly instead of testing less than it claims.
public struct MergeFixture: Sendable {
    public struct AuthorEntry: Sendable {
        public var key: String
        public var replica: ReplicaID
        /// Nil when the case declares no office and role for this replica.
        public var author: Author?
        public var name: String?
    }

    public struct Receiver: Sendable {
        public var replica: ReplicaID
        public var office: OfficeCode
        public var role: ReplicaRole
        public var name: String
        public var nowMillis: UInt64
        public var maxClockSkewMillis: UInt64
    }

    /// A change of the case with its reference and its `previousHash` filled in.
    public struct Entry: Sendable {
        public var ref: String
        public var authorKey: String
        public var change: Change
        /// True when the case gives `prev_hash` explicitly instead of chaining by default.
        public var explicitPrevious: Bool
    }

    /// What a user typed on one replica, and the changes of the case it must produce.
    public struct Input: Sendable {
        public var authorKey: String
        public var kind: RecordKind
        public var record: [String: JSONValue]
        public var changeRefs: [String]
    }

    public struct Refused: Sendable, Hashable, CustomStringConvertible {
        public var ref: String
        public var rule: String
        public init(ref: String, rule: String) {
            self.ref = ref
            self.rule = rule
        }
        public var description: String { "\(ref): \(rule)" }
    }

    public struct BatchExpectation: Sendable {
        public var applied: Int?
        public var duplicates: Int?
        public var held: Set<String>
        public var refused: Set<Refused>
    }

    public struct Batch: Sendable {
        public var refs: [String]
        public var expect: BatchExpectation?
        /// Office and role the sender of this batch claims for some authors, instead of the
        /// case's `authors` entry (a receiver keeps the first declaration it saw).
        public var claims: [String: Author]
    }

    public struct Delivery: Sendable {
        public var name: String
        public var batches: [Batch]
    }

    public let name: String
    public let title: String
    public let authors: [String: AuthorEntry]
    public let receiver: Receiver
    public let inputs: [Input]
    public let entries: [Entry]
    public let deliveries: [Delivery]
    /// Every record the receiver holds at the end, in id order: live ones exactly as `accord list
    /// KIND --json` prints them, deleted ones with `"deleted": true` added.
    public let expectedRecords: [JSONValue]
    public let expectedRefused: Set<Refused>
    public let expectedVersionVector: VersionVector

    private let entryByRef: [String: Entry]
    private let refByAuthorSeq: [ReplicaID: [UInt64: String]]

    public func entry(_ ref: String) -> Entry { entryByRef[ref]! }

    /// The case reference of the change `seq` of `replica`.
    public func ref(author replica: ReplicaID, seq: UInt64) -> String? { refByAuthorSeq[replica]?[seq] }

    /// The changes of a batch, in the order the case lists them (duplicates kept).
    public func changes(of batch: Batch) -> [Change] { batch.refs.map { entryByRef[$0]!.change } }

    /// The authors the sender declares along with a batch: every author of its changes that has
    /// an office and role (in the case's `authors`, or claimed by the batch).
    public func declaredAuthors(in batch: Batch) -> [ReplicaID: Author] {
        var result: [ReplicaID: Author] = [:]
        for ref in batch.refs {
            let entry = entryByRef[ref]!
            if let author = batch.claims[entry.authorKey] ?? authors[entry.authorKey]?.author { result[entry.change.author] = author }
        }
        return result
    }

    /// The expected records of one collection, in id order, as serialised JSON (live ones only
    /// unless `includeDeleted`).
    public func expected(_ kind: RecordKind, includeDeleted: Bool) -> [String] {
        expectedRecords.filter { record in
            guard case .string(let id)? = record["id"], RecordID(id)?.kind == kind else { return false }
            return includeDeleted || record["deleted"] != .bool(true)
        }.map(\.serialized)
    }
}

/// Why a case could not be loaded.
public struct FixtureError: Error, CustomStringConvertible {
    public var file: String
    public var message: String
    public var description: String { "\(file): \(message)" }

    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }
}

extension MergeFixture {
    /// `sync-fixtures/merge/`, found from this source file so tests run from any directory.
    public static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("sync-fixtures").appendingPathComponent("merge")

    /// The file names of every case, sorted (empty if the directory is missing, which the
    /// count tests turn into a failure).
    public static let caseNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }()

    public static func load(_ fileName: String) throws -> MergeFixture {
        let data = try Data(contentsOf: directory.appendingPathComponent(fileName))
        return try MergeFixture(json: try JSONValue.parse(Array(data)), file: fileName)
    }

    init(json: JSONValue, file: String) throws {
        func fail(_ message: String) -> FixtureError { FixtureError(file: file, message: message) }
        guard case .object(let root) = json else { throw fail("not a JSON object") }
        guard root["format"] == .string("accord-merge-case/1") else { throw fail("format must be \"accord-merge-case/1\"") }
        guard case .string(let name)? = root["name"], file == name + ".json" else { throw fail("name must be the file name without .json") }
        self.name = name
        guard case .string(let title)? = root["title"] else { throw fail("title missing") }
        self.title = title

        // Authors.
        guard case .object(let authorObjects)? = root["authors"], !authorObjects.isEmpty else { throw fail("authors missing") }
        var authors: [String: AuthorEntry] = [:]
        for (key, value) in authorObjects {
            guard case .string(let rawID)? = value["replica"], let replica = ReplicaID(rawID) else { throw fail("author \(key): bad replica id") }
            var author: Author?
            switch (value["office"], value["role"]) {
            case (.string(let office)?, .string(let role)?):
                guard let office = OfficeCode(office), let role = ReplicaRole(rawValue: role) else { throw fail("author \(key): bad office or role") }
                author = Author(office: office, role: role)
            case (.null?, .null?): author = nil
            default: throw fail("author \(key): office and role must both be given or both be null")
            }
            var name: String?
            if case .string(let text)? = value["name"] { name = text }
            authors[key] = AuthorEntry(key: key, replica: replica, author: author, name: name)
        }
        guard Set(authors.values.map(\.replica)).count == authors.count else { throw fail("two authors share a replica id") }
        self.authors = authors

        // Receiver.
        guard case .object(let r)? = root["receiver"], case .string(let rid)? = r["replica"], let rreplica = ReplicaID(rid),
              case .string(let roffice)? = r["office"], let office = OfficeCode(roffice),
              case .string(let rrole)? = r["role"], let role = ReplicaRole(rawValue: rrole),
              case .string(let rname)? = r["name"], case .string(let now)? = r["now"], let nowHLC = FixtureHLC.parse(now),
              nowHLC.counter == 0, case .int(let skew)? = r["max_clock_skew_ms"], skew >= 0 else {
            throw fail("receiver needs replica, office, role, name, now (no counter) and max_clock_skew_ms")
        }
        guard !authors.values.contains(where: { $0.replica == rreplica }) else { throw fail("the receiver must not be an author") }
        receiver = Receiver(replica: rreplica, office: office, role: role, name: rname, nowMillis: nowHLC.millis, maxClockSkewMillis: UInt64(skew))

        // Changes, chained per author.
        guard case .array(let changeValues)? = root["changes"], !changeValues.isEmpty else { throw fail("changes missing") }
        struct Raw { var ref: String; var authorKey: String; var change: Change; var explicit: ChangeHash??  }
        var raws: [Raw] = []
        for value in changeValues {
            guard case .string(let ref)? = value["ref"] else { throw fail("a change without ref") }
            guard case .string(let authorKey)? = value["author"], let author = authors[authorKey] else { throw fail("\(ref): unknown author") }
            guard case .int(let seq)? = value["seq"], seq >= 1 else { throw fail("\(ref): seq must be an integer ≥ 1") }
            guard case .string(let hlcText)? = value["hlc"], let hlc = FixtureHLC.parse(hlcText) else { throw fail("\(ref): bad hlc") }
            guard case .string(let recordText)? = value["record"], let record = RecordID(recordText) else { throw fail("\(ref): bad record id") }
            guard case .string(let field)? = value["field"], !field.isEmpty else { throw fail("\(ref): field missing") }
            var element: String?
            if let given = value["element"] {
                guard case .string(let text) = given else { throw fail("\(ref): element must be a string") }
                element = text
            }
            let fieldValue: FieldValue
            switch value["value"] {
            case .null?: fieldValue = .null
            case .bool(let flag)?: fieldValue = .bool(flag)
            case .int(let number)?: fieldValue = .int(number)
            case .string(let text)?: fieldValue = .string(text)
            default: throw fail("\(ref): value must be null, a boolean, an integer or a string")
            }
            var explicit: ChangeHash??
            if let given = value["prev_hash"] {
                guard case .string(let hex) = given, let hash = ChangeHash(hex: hex), hex == hex.lowercased() else { throw fail("\(ref): prev_hash must be 64 lowercase hex digits") }
                explicit = .some(hash.bytes.allSatisfy { $0 == 0 } ? nil : hash)
            }
            let change = Change(author: author.replica, seq: UInt64(seq), hlc: hlc, record: record, field: field,
                                element: element, value: fieldValue, previousHash: nil)
            raws.append(Raw(ref: ref, authorKey: authorKey, change: change, explicit: explicit))
        }
        guard Set(raws.map(\.ref)).count == raws.count else { throw fail("change refs must be unique") }
        var refByAuthorSeq: [ReplicaID: [UInt64: String]] = [:]
        for raw in raws {
            guard refByAuthorSeq[raw.change.author, default: [:]].updateValue(raw.ref, forKey: raw.change.seq) == nil else {
                throw fail("\(raw.ref): two changes with the same author and seq")
            }
        }
        // Hash in (author, seq) order so each change's predecessor is hashed first.
        var hashOf: [String: ChangeHash] = [:]
        var entries: [String: Entry] = [:]
        var hasher = ChangeHasher()
        for raw in raws.sorted(by: { ($0.change.author, $0.change.seq) < ($1.change.author, $1.change.seq) }) {
            var change = raw.change
            if let explicit = raw.explicit {
                change.previousHash = explicit
            } else if change.seq > 1 {
                guard let previousRef = refByAuthorSeq[change.author]?[change.seq - 1] else {
                    throw fail("\(raw.ref): no change \(change.seq - 1) of \(raw.authorKey) to chain to; give prev_hash")
                }
                change.previousHash = hashOf[previousRef]
            }
            hashOf[raw.ref] = hasher.hash(change)
            entries[raw.ref] = Entry(ref: raw.ref, authorKey: raw.authorKey, change: change, explicitPrevious: raw.explicit != nil)
        }
        self.entries = raws.map { entries[$0.ref]! }
        self.entryByRef = entries
        self.refByAuthorSeq = refByAuthorSeq

        // Inputs.
        var inputs: [Input] = []
        if case .array(let inputValues)? = root["inputs"] {
            for value in inputValues {
                guard case .string(let authorKey)? = value["author"], authors[authorKey] != nil,
                      case .string(let kindText)? = value["kind"], let kind = RecordKind(rawValue: kindText),
                      case .object(let record)? = value["record"], case .array(let refValues)? = value["changes"] else {
                    throw fail("an input needs author, kind, record and changes")
                }
                let refs = try refValues.map { value -> String in
                    guard case .string(let ref) = value, entries[ref] != nil else { throw fail("input names an unknown change") }
                    return ref
                }
                inputs.append(Input(authorKey: authorKey, kind: kind, record: record, changeRefs: refs))
            }
        }
        self.inputs = inputs

        // Deliveries.
        func refusedList(_ value: JSONValue?) throws -> Set<Refused> {
            guard case .array(let items)? = value else { throw fail("refused must be an array") }
            return Set(try items.map { item in
                guard case .string(let ref)? = item["change"], entries[ref] != nil, case .string(let rule)? = item["rule"] else {
                    throw fail("a refusal needs a known change and a rule")
                }
                return Refused(ref: ref, rule: rule)
            })
        }
        guard case .array(let deliveryValues)? = root["deliveries"], !deliveryValues.isEmpty else { throw fail("deliveries missing") }
        var deliveries: [Delivery] = []
        for value in deliveryValues {
            guard case .string(let name)? = value["name"], case .array(let batchValues)? = value["batches"], !batchValues.isEmpty else {
                throw fail("a delivery needs a name and batches")
            }
            var batches: [Batch] = []
            for batchValue in batchValues {
                guard case .array(let refValues)? = batchValue["changes"] else { throw fail("\(name): a batch needs changes") }
                let refs = try refValues.map { value -> String in
                    guard case .string(let ref) = value, entries[ref] != nil else { throw fail("\(name): a batch names an unknown change") }
                    return ref
                }
                var expect: BatchExpectation?
                if let e = batchValue["expect"] {
                    func count(_ key: String) throws -> Int? {
                        guard let v = e[key] else { return nil }
                        guard case .int(let n) = v, n >= 0 else { throw fail("\(name): expect.\(key) must be a count") }
                        return Int(n)
                    }
                    guard case .array(let heldValues)? = e["held"] else { throw fail("\(name): expect.held missing") }
                    let held = try heldValues.map { value -> String in
                        guard case .string(let ref) = value, entries[ref] != nil else { throw fail("\(name): expect.held names an unknown change") }
                        return ref
                    }
                    expect = BatchExpectation(applied: try count("applied"), duplicates: try count("duplicates"),
                                              held: Set(held), refused: try refusedList(e["refused"]))
                }
                var claims: [String: Author] = [:]
                if case .object(let claimValues)? = batchValue["claims"] {
                    for (key, claim) in claimValues {
                        guard authors[key] != nil, case .string(let office)? = claim["office"], let office = OfficeCode(office),
                              case .string(let role)? = claim["role"], let role = ReplicaRole(rawValue: role) else {
                            throw fail("\(name): a claim needs a known author, an office and a role")
                        }
                        claims[key] = Author(office: office, role: role)
                    }
                }
                batches.append(Batch(refs: refs, expect: expect, claims: claims))
            }
            deliveries.append(Delivery(name: name, batches: batches))
        }
        self.deliveries = deliveries

        // Expectations.
        guard case .object(let expected)? = root["expected"], case .array(let records)? = expected["records"] else { throw fail("expected.records missing") }
        var previousID: String?
        for record in records {
            guard case .string(let id)? = record["id"], RecordID(id) != nil else { throw fail("an expected record without a valid id") }
            if let previousID, !previousID.utf8.lexicographicallyPrecedes(id.utf8) { throw fail("expected.records must be in id order") }
            previousID = id
        }
        self.expectedRecords = records
        self.expectedRefused = try refusedList(expected["refused"])
        guard case .object(let vector)? = expected["version_vector"] else { throw fail("expected.version_vector missing") }
        var heads = VersionVector()
        for (key, value) in vector {
            guard let author = authors[key], case .int(let seq) = value, seq >= 0 else { throw fail("version_vector: bad entry \(key)") }
            heads[author.replica] = UInt64(seq)
        }
        self.expectedVersionVector = heads

        try checkRefusalsAreGranularityIndependent(fail)
    }

    /// A receiver may refuse just the offending change or the whole run of consecutive changes
    /// by its author to the same record that it arrived in; the cases must give the same result
    /// either way, so a refused change never shares its record with its author's neighbouring
    /// changes (seq − 1 and seq + 1).
    private func checkRefusalsAreGranularityIndependent(_ fail: (String) -> FixtureError) throws {
        let refused = expectedRefused.map(\.ref) + deliveries.flatMap { $0.batches.flatMap { $0.expect?.refused.map(\.ref) ?? [] } }
        for ref in Set(refused) {
            let change = entry(ref).change
            for neighbour in [change.seq - 1, change.seq + 1] {
                if let other = self.ref(author: change.author, seq: neighbour), entry(other).change.record == change.record {
                    throw fail("refused change \(ref) shares its record with \(other); put one of them on another record")
                }
            }
        }
    }
}

/// The fixture notation of an HLC: `YYYY-MM-DDTHH:MM:SS.mmmZ`, then `+N` when the logical
/// counter N is not zero. The packed value is `(milliseconds since 1970-01-01T00:00:00Z << 16) | N`.
/// Parsed here by hand (not with `Timestamp.parse`), so a fault there cannot hide in the runners.
public enum FixtureHLC {
    public static func parse(_ text: String) -> HLC? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 24, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "."),
              bytes[23] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            guard range.allSatisfy({ (48...57).contains(bytes[$0]) }) else { return nil }
            return range.reduce(0) { $0 * 10 + Int64(bytes[$1] - 48) }
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
              let minute = number(14..<16), let second = number(17..<19), let milli = number(20..<23),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60, year >= 1970 else { return nil }
        var counter: Int64 = 0
        if bytes.count > 24 {
            guard bytes[24] == UInt8(ascii: "+"), bytes.count > 25, bytes.count <= 30, let n = number(25..<bytes.count),
                  n > 0, n <= Int64(UInt16.max), bytes[25] != UInt8(ascii: "0") else { return nil }
            counter = n
        }
        let millis = (daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second) * 1000 + milli
        return HLC(millis: UInt64(millis), counter: UInt16(counter))
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(_ y: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y - 1 : y
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
