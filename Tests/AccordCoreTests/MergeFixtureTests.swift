import AccordCore
import AccordTestSupport
import Testing

/// A receiver of the merge contract written from `sync-fixtures/README.md` in pure code, one
/// change at a time, on top of `RecordState`, `Authorization`, `ChangeCheck` and
/// `ClockSkewError`. It is deliberately not the store's merge: the store runner checks the real
/// SQLite path against the same cases, so a rule that drifts in either place shows up as a
/// disagreement with the fixture.
private struct ReferenceReceiver {
    struct Head {
        var seq: UInt64 = 0
        var hash: ChangeHash?
    }

    struct Report {
        var applied = 0
        var duplicates = 0
        var held: [Change] = []
        var refused: [(change: Change, rule: String)] = []
    }

    let nowMillis: UInt64
    let maxClockSkewMillis: UInt64
    var heads: [ReplicaID: Head] = [:]
    /// Office and role per author: the first declaration wins, later claims are ignored.
    var registered: [ReplicaID: Author] = [:]
    var states: [RecordID: RecordState] = [:]
    var hasher = ChangeHasher()

    /// Delivers one batch atomically: changes in (author, seq) order; an author's change is
    /// applied only right after its predecessor, and once one of its changes is held or refused
    /// the rest of that author's changes in the batch are held.
    mutating func deliver(_ changes: [Change], declared: [ReplicaID: Author]) -> Report {
        var report = Report()
        var blocked: Set<ReplicaID> = []
        for change in changes.sorted(by: { ($0.author, $0.seq) < ($1.author, $1.seq) }) {
            if registered[change.author] == nil, let author = declared[change.author] { registered[change.author] = author }
            let head = heads[change.author] ?? Head()
            if change.seq <= head.seq {
                report.duplicates += 1
                continue
            }
            if blocked.contains(change.author) || change.seq > head.seq + 1 {
                report.held.append(change)
                blocked.insert(change.author)
                continue
            }
            if let rule = refusal(of: change, head: head) {
                report.refused.append((change, rule))
                blocked.insert(change.author)
                continue
            }
            states[change.record, default: RecordState(id: change.record)].apply(change)
            heads[change.author] = Head(seq: change.seq, hash: hasher.hash(change))
            report.applied += 1
        }
        return report
    }

    /// The first rule the change breaks, in the order the README gives.
    func refusal(of change: Change, head: Head) -> String? {
        guard change.previousHash == head.hash else { return "chain-broken" }
        guard let author = registered[change.author] else { return "unknown-author" }
        if let refusal = Authorization.check(author: author, record: change.record) { return refusal.rule }
        if ChangeCheck.problem(record: change.record, field: change.field, element: change.element, value: change.value) != nil {
            return "schema"
        }
        if ClockSkewError.check(change.hlc, author: change.author, nowMillis: nowMillis, allowedMillis: maxClockSkewMillis) != nil {
            return "clock-skew"
        }
        return nil
    }

    /// Every record held, in id order, as `list --json` prints it (deleted ones flagged).
    var records: [String] {
        states.values.filter(\.exists).sorted { $0.id < $1.id }.map { $0.json(includeDeletedFlag: true).serialized }
    }

    var versionVector: VersionVector {
        VersionVector(heads.mapValues(\.seq))
    }
}

/// Runs every case of `sync-fixtures/merge/` without a database: each delivery order, batch by
/// batch, through the reference receiver above, then compares records, refusals and version
/// vectors with the case. Each case is its own test case, named by its file.
@Suite("Merge fixtures, pure")
struct MergeFixtureTests {
    /// A lost or emptied fixture directory must fail, not silently run nothing.
    @Test func fixtureDirectoryHoldsAtLeastTwentyCases() throws {
        #expect(MergeFixture.caseNames.count >= 20, "found \(MergeFixture.caseNames.count) cases in \(MergeFixture.directory.path)")
        for name in MergeFixture.caseNames {
            _ = try MergeFixture.load(name)
        }
    }

    @Test(arguments: MergeFixture.caseNames)
    func everyDeliveryOrderGivesTheExpectedRecords(_ file: String) throws {
        let fixture = try MergeFixture.load(file)
        for delivery in fixture.deliveries {
            var receiver = ReferenceReceiver(nowMillis: fixture.receiver.nowMillis,
                                             maxClockSkewMillis: fixture.receiver.maxClockSkewMillis)
            var refused: Set<MergeFixture.Refused> = []
            for (index, batch) in delivery.batches.enumerated() {
                let changes = fixture.changes(of: batch)
                let report = receiver.deliver(changes, declared: fixture.declaredAuthors(in: batch))
                let batchRefused = Set(report.refused.map { MergeFixture.Refused(ref: fixture.ref(author: $0.change.author, seq: $0.change.seq)!, rule: $0.rule) })
                refused.formUnion(batchRefused)
                guard let expect = batch.expect else { continue }
                let context = "\(delivery.name), batch \(index + 1)"
                if let applied = expect.applied { #expect(report.applied == applied, "\(context): applied") }
                if let duplicates = expect.duplicates { #expect(report.duplicates == duplicates, "\(context): duplicates") }
                #expect(Set(report.held.map { fixture.ref(author: $0.author, seq: $0.seq)! }) == expect.held, "\(context): held")
                #expect(batchRefused == expect.refused, "\(context): refused")
            }
            let expected = fixture.expectedRecords.map(\.serialized)
            #expect(sameBytes(receiver.records, expected),
                    "\(delivery.name):\n got      \(receiver.records)\n expected \(expected)")
            #expect(refused == fixture.expectedRefused, "\(delivery.name): refusals")
            #expect(receiver.versionVector == fixture.expectedVersionVector, "\(delivery.name): version vector")
        }
    }

    /// The accepted changes, applied straight to record states in several shuffled orders and
    /// with every change twice, give the same records: the state itself is commutative and
    /// idempotent, independently of the receiver's sequencing.
    @Test(arguments: MergeFixture.caseNames)
    func acceptedChangesCommuteAndRepeat(_ file: String) throws {
        let fixture = try MergeFixture.load(file)
        let expected = fixture.expectedRecords.map(\.serialized)
        let accepted = fixture.entries.map(\.change).filter { $0.seq <= fixture.expectedVersionVector[$0.author] }
        var random = SeededRandom(seed: UInt64(truncatingIfNeeded: file.utf8.reduce(5381) { $0 &* 33 &+ Int($1) }))
        for round in 0..<4 {
            var states: [RecordID: RecordState] = [:]
            let order = round == 0 ? accepted.reversed() : (accepted + accepted).shuffled(using: &random)
            for change in order { states[change.record, default: RecordState(id: change.record)].apply(change) }
            let records = states.values.sorted { $0.id < $1.id }.map { $0.json(includeDeletedFlag: true).serialized }
            #expect(sameBytes(records, expected), "round \(round)")
        }
    }

    /// What the users typed (`inputs`) normalises to exactly the listed changes: same record id
    /// (derived from the normalised domain for ALERT entries) and byte-identical values.
    @Test(arguments: MergeFixture.caseNames.filter { (try? MergeFixture.load($0).inputs.isEmpty) == false })
    func typedInputsProduceTheListedChanges(_ file: String) throws {
        let fixture = try MergeFixture.load(file)
        for input in fixture.inputs {
            let author = try #require(fixture.authors[input.authorKey]?.author)
            let validated = try RecordInput.validate(input.record, kind: input.kind, office: author.office, assignment: .random).get()
            let listed = input.changeRefs.map { fixture.entry($0).change }
            for change in listed { #expect(change.record == validated.id, "\(input.authorKey): record id") }
            func key(field: String, element: String?, value: FieldValue) -> String {
                JSONValue.array([.string(field), element.map { .string($0) } ?? .null, value.json]).serialized
            }
            let produced = RecordInput.writes(for: validated, existing: nil).map { key(field: $0.field, element: $0.element, value: $0.value) }
            let expected = listed.map { key(field: $0.field, element: $0.element, value: $0.value) }
            #expect(sameBytes(produced.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }),
                              expected.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) })),
                    "\(input.authorKey): produced \(produced), listed \(expected)")
        }
    }

    /// The fixture HLC notation is parsed independently of `Timestamp`; the two must agree with
    /// `HLC.description`, which prints the same notation.
    @Test func fixtureHLCNotationRoundTrips() throws {
        for text in ["2026-03-02T09:00:00.000Z", "2026-03-02T09:00:00.000Z+1", "2024-02-29T23:59:59.999Z+65535", "1970-01-01T00:00:00.000Z"] {
            let hlc = try #require(FixtureHLC.parse(text))
            #expect(hlc.description == text)
            #expect(Timestamp.parse(String(text.prefix(24))) == hlc.millis)
        }
        #expect(FixtureHLC.parse("2026-03-02T09:00:00.000Z")?.rawValue == 1_772_442_000_000 << 16)
        for bad in ["2026-03-02T09:00:00Z", "2026-03-02T09:00:00.000Z+0", "2026-03-02T09:00:00.000Z+65536", "2026-13-02T09:00:00.000Z"] {
            #expect(FixtureHLC.parse(bad) == nil, "\(bad)")
        }
    }
}
