import AccordCore
import AccordStore
import Foundation
import GRDB
import AccordTestSupport
import PropertyBased
import Testing

// MARK: - A small world of replicas

/// Simulated wall-clock time shared by every replica of a world; each replica reads it through
/// its own offset, so clocks can disagree (and one can be badly wrong) deterministically.
private final class SimulatedClock: @unchecked Sendable {
    private let lock = NSLock()
    private var base: UInt64
    private var offsets: [Int: Int64] = [:]

    init(start: UInt64) { base = start }

    func advance(by millis: UInt64) { lock.withLock { base += millis } }
    func setOffset(_ millis: Int64, for replica: Int) { lock.withLock { offsets[replica] = millis } }
    func now(for replica: Int) -> UInt64 { lock.withLock { UInt64(Int64(base) + (offsets[replica] ?? 0)) } }
}

/// Replicas of one or two offices plus the secretariat's hub, each a real SQLite file, over a
/// small shared pool of records so that concurrent edits collide on the same fields.
private final class World {
    let folder: URL
    let clock: SimulatedClock
    let stores: [ReplicaStore]
    let identities: [ReplicaIdentity]
    /// Records every replica of the world may be asked to edit (each edit picks one its author
    /// is allowed to write).
    let pool: [RecordID]
    /// Changes each replica authored locally (its own sequence numbers).
    var authored: [Int]

    /// `replicaCount` replicas: index 0 is the hub (WIPO, secretariat); the others are laptops of
    /// KE and, with two offices, alternately of CN.
    init(replicaCount: Int, officeCount: Int) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("accord-convergence-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        clock = SimulatedClock(start: 1_772_442_000_000)
        var identities: [ReplicaIdentity] = [
            ReplicaIdentity(id: ReplicaID("5749504f00000001")!, office: .secretariat, role: .secretariat, name: "hub"),
        ]
        for index in 1..<replicaCount {
            let isCN = officeCount == 2 && index % 2 == 0
            let prefix = isCN ? "434e" : "4b45"
            identities.append(ReplicaIdentity(id: ReplicaID(prefix + String(format: "%012x", index))!,
                                              office: OfficeCode(isCN ? "CN" : "KE")!, role: .office, name: "laptop-\(index)"))
        }
        self.identities = identities
        var stores: [ReplicaStore] = []
        for (index, identity) in identities.enumerated() {
            let clock = self.clock
            stores.append(try ReplicaStore.create(at: folder.appendingPathComponent("\(index).accord").path, identity: identity,
                                                  clock: { clock.now(for: index) }))
        }
        try ReplicaStore.introduce(stores)
        self.stores = stores
        authored = Array(repeating: 0, count: replicaCount)
        var pool = ["act-KE-pool1", "act-KE-pool2", "act-WIPO-pool1", "tv-KE-pool1", "tv-WIPO-pool1"].map { RecordID($0)! }
        pool += ["kino-bure.example", "mpira-live.example"].map { RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: $0) }
        if officeCount == 2 {
            pool += ["act-CN-pool1", "tv-CN-pool1"].map { RecordID($0)! }
            pool.append(RecordID.alert(contributor: OfficeCode("CN")!, normalizedDomain: "kino-bure.example"))
        }
        self.pool = pool
    }

    deinit {
        for store in stores { try? store.close() }
        try? FileManager.default.removeItem(at: folder)
    }

    var count: Int { stores.count }

    // MARK: Local edits

    /// One local edit by replica `replica`, chosen by `word`: a field write (sometimes several
    /// fields in one commit), a set element added or removed, a delete, a restore, or a field
    /// only a newer version knows. Values are valid and normalised, as the command line would
    /// write them, so every receiver must accept them.
    func edit(replica: Int, word: UInt64) throws {
        var random = SeededRandom(seed: word)
        let author = identities[replica].author
        let writable = pool.filter { Authorization.check(author: author, record: $0) == nil }
        guard !writable.isEmpty else { return }
        let record = random.pick(writable)
        var writes: [FieldWrite] = []
        switch Int.random(in: 0..<12, using: &random) {
        case 0..<5:
            for _ in 0..<Int.random(in: 1...3, using: &random) { writes.append(Self.scalarWrite(record, &random)) }
        case 5..<8:
            let (field, elements) = Self.setField(record.kind)
            writes.append(FieldWrite(field: field, element: random.pick(elements), value: .bool(random.chance(60))))
        case 8:
            writes.append(FieldWrite(field: Change.deletedField, value: .bool(true)))
        case 9:
            writes.append(FieldWrite(field: Change.deletedField, value: .bool(false)))
        case 10:
            writes.append(FieldWrite(field: "stream_viewers", value: random.chance(20) ? .null : .int(Int64.random(in: 0...3, using: &random))))
        default:
            writes.append(FieldWrite(field: "sdg_goals", element: random.pick(["4", "9", "16"]), value: .bool(random.chance(50))))
        }
        let summary = try stores[replica].write(record, writes)
        authored[replica] += summary.changes
    }

    static func scalarWrite(_ record: RecordID, _ random: inout SeededRandom) -> FieldWrite {
        func pick(_ field: String, _ values: [FieldValue]) -> FieldWrite { FieldWrite(field: field, value: random.pick(values)) }
        switch record.kind {
        case .activity:
            switch Int.random(in: 0..<6, using: &random) {
            case 0: return pick("title", [.string("Workshop on enforcement"), .string("Séminaire régional"), .string("北京版权保护研讨会"), .string("Семинар")])
            case 1: return pick("kind", [.string("workshop"), .string("seminar"), .null])
            case 2: return pick("participant_count", [.int(0), .int(12), .int(40), .null])
            case 3: return pick("city", [.string("Nairobi"), .string("Genève"), .null])
            case 4: return pick("host_country", [.string("KE"), .string("CN"), .string("CH")])
            default: return pick("notes", [.string("a"), .string("b"), .string("안녕"), .null])
            }
        case .trainingVariant:
            switch Int.random(in: 0..<5, using: &random) {
            case 0: return pick("material", [.string("alert-handbook"), .string("copyright-basics")])
            case 1: return pick("language", [.string("sw"), .string("zh-Hans"), .string("fr")])
            case 2: return pick("year", [.int(2025), .int(2026), .null])
            case 3: return pick("status", [.string("draft"), .string("review"), .string("published")])
            default: return pick("notes", [.string("x"), .null])
            }
        case .alertUpload:
            switch Int.random(in: 0..<5, using: &random) {
            case 0: return pick("status", [.string("online"), .string("offline")])
            case 1: return pick("category", [.string("streaming"), .string("live_sports"), .null])
            case 2: return pick("listed_on", [.string("2026-02-01"), .string("2026-02-15")])
            case 3: return pick("removed_on", [.string("2026-03-01"), .null])
            default: return pick("notes", [.string("mirror"), .string("تحقق"), .null])
            }
        case .replica:
            preconditionFailure("the simulation writes no registry records")
        }
    }

    static func setField(_ kind: RecordKind) -> (String, [String]) {
        switch kind {
        case .activity: ("organizers", ["KIPI", "KECOBO", "WIPO"])
        case .trainingVariant: ("partners", ["KECOBO", "CNIPA"])
        case .alertUpload: ("sdg_goals", ["1", "2"])
        case .replica: preconditionFailure("the simulation writes no registry records")
        }
    }

    // MARK: Exchanges

    /// What `to` lacks of what `from` holds, at most about `limit` changes.
    func pull(from: Int, to: Int, limit: Int) throws -> ChangeBatch {
        try stores[from].missingChanges(for: stores[to].versionVector(), limit: limit)
    }

    /// Syncs every ordered pair until a whole round applies nothing; returns the refusals seen.
    @discardableResult
    func heal() throws -> [RefusedRun] {
        var refused: [RefusedRun] = []
        var rounds = 0
        while true {
            rounds += 1
            precondition(rounds < 50, "no quiescence after 50 rounds")
            var applied = 0
            for to in 0..<count {
                for from in 0..<count where from != to {
                    while true {
                        let batch = try pull(from: from, to: to, limit: 64)
                        if batch.runs.isEmpty { break }
                        let report = try stores[to].merge(batch)
                        refused += report.refused
                        applied += report.applied
                        if report.applied == 0 { break }
                    }
                }
            }
            if applied == 0 { return refused }
        }
    }

    // MARK: Checks

    /// Every record of every collection, deleted ones flagged, as `list` prints them.
    func listing(_ replica: Int) throws -> [String] {
        try RecordKind.allCases.flatMap { try stores[replica].list($0, includeDeleted: true).map(\.serialized) }
    }

    /// The collection tables row by row with exact bytes.
    func tables(_ replica: Int) throws -> [String] {
        try stores[replica].read { db in
            try RecordKind.allCases.flatMap { kind in
                try Row.fetchAll(db, sql: "SELECT * FROM \(kind.rawValue) ORDER BY id").map { row in
                    row.columnNames.map { name -> String in
                        switch (row[name] as DatabaseValue).storage {
                        case .null: "NULL"
                        case .int64(let number): "i\(number)"
                        case .double(let number): "d\(number)"
                        case .string(let text): "t" + text.utf8.map { String($0, radix: 16) }.joined(separator: ".")
                        case .blob(let data): "b" + data.map { String($0, radix: 16) }.joined(separator: ".")
                        }
                    }.joined(separator: "|")
                }
            }
        }
    }

    /// The records an independent fold of the replica's whole log over `RecordState` gives:
    /// what `list` must print if the tables are a faithful view of the log.
    func oracle(_ replica: Int) throws -> [String] {
        var states: [RecordID: RecordState] = [:]
        try stores[replica].forEachChange { logged in
            states[logged.change.record, default: RecordState(id: logged.change.record)].apply(logged.change)
        }
        return RecordKind.allCases.flatMap { kind in
            states.values.filter { $0.id.kind == kind }.sorted { $0.id < $1.id }.map { $0.json(includeDeletedFlag: true).serialized }
        }
    }

    /// Every replica holds every change authored anywhere, and all print the same bytes.
    func expectConverged(_ context: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var expectedVector = VersionVector()
        for (index, identity) in identities.enumerated() { expectedVector[identity.id] = UInt64(authored[index]) }
        let reference = try listing(0)
        #expect(sameBytes(reference, try oracle(0)), "\(context): the hub's tables differ from a fold of its log", sourceLocation: sourceLocation)
        for replica in 0..<count {
            #expect(try stores[replica].versionVector() == expectedVector, "\(context): version vector of replica \(replica)", sourceLocation: sourceLocation)
            let listed = try listing(replica)
            #expect(sameBytes(listed, reference), "\(context): replica \(replica) lists other records than the hub\n\(listed)\n\(reference)",
                    sourceLocation: sourceLocation)
        }
    }
}

/// Splits a batch into `parts` batches of consecutive runs (each with the author information),
/// so that delivering them in another order brings later changes before earlier ones.
private func split(_ batch: ChangeBatch, parts: Int) -> [ChangeBatch] {
    guard parts > 1, batch.runs.count > 1 else { return [batch] }
    let size = max(1, (batch.runs.count + parts - 1) / parts)
    return stride(from: 0, to: batch.runs.count, by: size).map { start in
        ChangeBatch(authors: batch.authors, runs: Array(batch.runs[start..<min(start + size, batch.runs.count)]), signatures: batch.signatures)
    }
}

// MARK: - Property-based convergence

/// The brief's promise that replicas which have seen the same changes hold the same records,
/// byte for byte, checked on real SQLite replicas with injected clocks (so every run replays
/// from its seed) rather than on examples only.
@Suite("Convergence")
struct ConvergenceTests {
    /// Random local edits on 3–5 replicas of one or two offices and the hub, over a shared pool
    /// of records, interleaved with random exchanges — partial batches, batches delivered twice,
    /// batches split and delivered back to front — then a final exchange until nothing moves.
    /// Every replica must end with the same records byte for byte, the same version vector, and
    /// tables equal to a fold of the log and to what `rebuild()` recreates. Shrinking shortens
    /// the list of steps.
    @Test func randomEditsAndExchangesConverge() async {
        await propertyCheck(count: 25, input: Gen.int(in: 3...5), Gen.int(in: 1...2), Gen.uint64().array(of: 10...60)) { replicas, offices, steps in
            do {
                let world = try World(replicaCount: replicas, officeCount: offices)
                for step in steps {
                    var random = SeededRandom(seed: step)
                    world.clock.advance(by: UInt64.random(in: 0...2, using: &random))
                    let replica = Int.random(in: 0..<replicas, using: &random)
                    if random.chance(65) {
                        try world.edit(replica: replica, word: random.next())
                        continue
                    }
                    var peer = Int.random(in: 0..<replicas - 1, using: &random)
                    if peer >= replica { peer += 1 }
                    let batch = try world.pull(from: peer, to: replica, limit: Int.random(in: 1...8, using: &random))
                    var deliveries = split(batch, parts: Int.random(in: 1...3, using: &random))
                    if random.chance(50) { deliveries.reverse() }
                    if random.chance(30) { deliveries += deliveries }
                    for delivery in deliveries {
                        let report = try world.stores[replica].merge(delivery)
                        #expect(report.refused.isEmpty, "valid edits were refused: \(report.refused)")
                    }
                }
                let refused = try world.heal()
                #expect(refused.isEmpty, "valid edits were refused: \(refused)")
                try world.expectConverged("\(replicas) replicas, \(offices) offices, \(steps.count) steps")
                let tables = try world.tables(replicas - 1)
                try world.stores[replicas - 1].rebuild()
                #expect(try world.tables(replicas - 1) == tables, "rebuild() differs from the live tables")
            } catch {
                Issue.record("unexpected error: \(error)")
            }
        }
    }

    /// A replica cannot poison its own chain: a local write that every receiver would refuse is
    /// refused at once (and nothing is written), so the replica's later changes still sync.
    @Test func localWritesAreCheckedLikeReceivedOnes() throws {
        let world = try World(replicaCount: 3, officeCount: 1)
        let laptop = 1
        let record = RecordID("act-KE-pool1")!
        try world.stores[laptop].write(record, [FieldWrite(field: "title", value: .string("Valid"))])
        world.authored[laptop] += 1
        let invalid: [FieldWrite] = [
            FieldWrite(field: "kind", value: .string("Workshop")),
            FieldWrite(field: "participant_count", value: .string("12")),
            FieldWrite(field: "title", value: .null),
            FieldWrite(field: "organizers", value: .bool(true)),
            FieldWrite(field: "owner", value: .string("CN")),
            FieldWrite(field: "notes", value: .string("\u{F963}京")),
        ]
        for write in invalid {
            #expect(throws: (any Error).self, "\(write) must be refused locally") { try world.stores[laptop].write(record, [write]) }
        }
        let alert = RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: "kino-bure.example")
        #expect(throws: (any Error).self, "an ALERT entry's domain is its identity") {
            try world.stores[laptop].write(alert, [FieldWrite(field: "domain", value: .string("other.example"))])
        }
        try world.stores[laptop].write(record, [FieldWrite(field: "notes", value: .string("after the refused writes"))])
        world.authored[laptop] += 1
        #expect(try world.heal().isEmpty)
        try world.expectConverged("after refused local writes")
    }

    // MARK: - Deterministic simulation

    /// Fixed seeds, so a failure replays exactly; the seed is in the test case's name.
    static let simulationSeeds: [UInt64] = [1, 2, 3, 5]

    /// A seeded simulation of a network over 60 rounds: 5 replicas (hub, three KE laptops, one
    /// CN desk) edit locally and pull from random peers; responses are split into pieces with
    /// random delays (reordering, later changes before earlier ones), lost (10 %), duplicated
    /// (10 %), and dropped while a partition separates the two ends. One laptop's clock runs 15
    /// minutes fast for a while, so its changes are refused for clock skew until the network
    /// heals, its clock is fixed and time catches up. Then: convergence, idempotence (every
    /// message ever sent, delivered again, changes nothing) and `rebuild()` equal to the live
    /// tables on every replica.
    @Test(arguments: simulationSeeds)
    func seededSimulationWithPartitionsLossDuplicationAndReordering(seed: UInt64) throws {
        struct Message {
            var due: Int
            var from: Int
            var to: Int
            var batch: ChangeBatch
        }
        var random = SeededRandom(seed: seed)
        let world = try World(replicaCount: 5, officeCount: 2)
        let skewed = 3
        let rounds = 60
        var inFlight: [Message] = []
        var everySent: [Message] = []
        var partition: [Int] = Array(repeating: 0, count: world.count)
        var clockSkewRefusals = 0
        var held = 0, duplicates = 0, droppedByPartition = 0

        for round in 0..<rounds {
            world.clock.advance(by: UInt64.random(in: 1...400, using: &random))
            if round % 12 == 0 {
                // A new partition: each replica on side 0 or 1 (sometimes everybody together).
                partition = random.chance(25) ? partition.map { _ in 0 } : partition.map { _ in Int.random(in: 0...1, using: &random) }
            }
            for replica in 0..<world.count {
                world.clock.setOffset(replica == skewed ? ((20..<35).contains(round) ? 15 * 60_000 : 0) : Int64(replica * 7), for: replica)
                let edits = replica == skewed && (20..<35).contains(round) ? 1 : Int.random(in: 0...2, using: &random)
                for _ in 0..<edits { try world.edit(replica: replica, word: random.next()) }
                guard random.chance(60) else { continue }
                var peer = Int.random(in: 0..<world.count - 1, using: &random)
                if peer >= replica { peer += 1 }
                let response = try world.pull(from: peer, to: replica, limit: Int.random(in: 1...24, using: &random))
                for piece in split(response, parts: Int.random(in: 1...3, using: &random)) {
                    if random.chance(10) { continue }  // lost
                    let copies = random.chance(10) ? 2 : 1
                    for _ in 0..<copies {
                        let message = Message(due: round + Int.random(in: 0...3, using: &random), from: peer, to: replica, batch: piece)
                        inFlight.append(message)
                        everySent.append(message)
                    }
                }
            }
            let due = inFlight.filter { $0.due <= round }.shuffled(using: &random)
            inFlight.removeAll { $0.due <= round }
            for message in due {
                guard partition[message.from] == partition[message.to] else {
                    droppedByPartition += 1
                    continue
                }
                let report = try world.stores[message.to].merge(message.batch)
                held += report.held.count
                duplicates += report.duplicates
                for refusal in report.refused {
                    #expect(refusal.rule == "clock-skew" && refusal.author == world.identities[skewed].id,
                            "seed \(seed): only the fast clock's changes may be refused: \(refusal)")
                    clockSkewRefusals += 1
                }
            }
        }
        // The scenario really happened: otherwise convergence would prove little.
        #expect(clockSkewRefusals > 0, "seed \(seed): the fast clock was never noticed")
        #expect(held > 0 && duplicates > 0 && droppedByPartition > 0,
                "seed \(seed): held \(held), duplicates \(duplicates), dropped by partitions \(droppedByPartition)")

        // Heal: the network is whole again, the clock is fixed and time passes the skew.
        world.clock.setOffset(0, for: skewed)
        world.clock.advance(by: 20 * 60_000)
        #expect(try world.heal().isEmpty, "seed \(seed): refusals after healing")
        try world.expectConverged("seed \(seed)")

        // Idempotence: every message ever sent, delivered again, applies nothing and changes nothing.
        let before = try (0..<world.count).map { try world.tables($0) }
        for message in everySent {
            let report = try world.stores[message.to].merge(message.batch)
            #expect(report.applied == 0 && report.refused.isEmpty && report.held.isEmpty, "seed \(seed): a replayed message changed something")
        }
        for replica in 0..<world.count {
            let everything = try world.stores[(replica + 1) % world.count].missingChanges(for: VersionVector(), limit: Int.max)
            #expect(try world.stores[replica].merge(everything).applied == 0)
            #expect(try world.tables(replica) == before[replica], "seed \(seed): replica \(replica) changed on re-delivery")
            try world.stores[replica].rebuild()
            #expect(try world.tables(replica) == before[replica], "seed \(seed): rebuild() of replica \(replica) differs from the live tables")
        }
    }
}
