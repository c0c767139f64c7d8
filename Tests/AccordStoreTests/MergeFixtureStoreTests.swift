import AccordCore
import AccordStore
import Foundation
import GRDB
import AccordTestSupport
import Testing

/// How a runner cuts a batch of changes into the runs `ReplicaStore.merge` takes.
private enum RunCutting: CaseIterable, CustomStringConvertible {
    /// Consecutive changes of one author to one record that chain to each other form one run,
    /// as the store's own log and `missingChanges` produce them.
    case chainedRuns
    /// Every change is a run of one: the same changes must give the same outcome.
    case oneChangePerRun

    var description: String { self == .chainedRuns ? "runs" : "one change per run" }

    func batch(_ changes: [Change], authors: [ReplicaID: Author], names: [ReplicaID: String]) -> ChangeBatch {
        var hasher = ChangeHasher()
        var runs: [ChangeRun] = []
        var lastHash: ChangeHash?
        for change in changes.sorted(by: { ($0.author, $0.seq) < ($1.author, $1.seq) }) {
            let entry = ChangeRun.Entry(hlc: change.hlc, field: change.field, element: change.element, value: change.value)
            if self == .chainedRuns, var last = runs.last, last.author == change.author, last.record == change.record,
               last.lastSeq + 1 == change.seq, change.previousHash == lastHash {
                last.entries.append(entry)
                runs[runs.count - 1] = last
            } else {
                runs.append(ChangeRun(author: change.author, firstSeq: change.seq, record: change.record,
                                      previousHash: change.previousHash, entries: [entry]))
            }
            lastHash = hasher.hash(change)
        }
        let declared = Dictionary(uniqueKeysWithValues: authors.map { ($0.key, AuthorInfo(author: $0.value, name: names[$0.key])) })
        return try! ChangeBatch(authors: declared, runs: runs).signingEveryRun(with: FixtureKeys.key(for:))
    }
}

/// A temporary folder removed when the value goes away.
private final class FixtureFolder {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("accord-merge-fixtures-\(UUID().uuidString)")
    init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// Every row of the three collection tables, each value with its storage class and its exact
/// bytes (Swift's `String ==` would equate NFC and NFD text).
private func tableRows(_ store: ReplicaStore) throws -> [String] {
    try store.read { db in
        var rows: [String] = []
        for kind in RecordKind.allCases {
            for row in try Row.fetchAll(db, sql: "SELECT * FROM \(kind.rawValue) ORDER BY id") {
                let cells = row.columnNames.map { name -> String in
                    switch (row[name] as DatabaseValue).storage {
                    case .null: "\(name)=NULL"
                    case .int64(let number): "\(name)=int:\(number)"
                    case .double(let number): "\(name)=real:\(number)"
                    case .string(let text): "\(name)=text:" + text.utf8.map { String($0, radix: 16) }.joined(separator: ".")
                    case .blob(let data): "\(name)=blob:" + data.map { String($0, radix: 16) }.joined(separator: ".")
                    }
                }
                rows.append(kind.rawValue + "|" + cells.joined(separator: "|"))
            }
        }
        return rows
    }
}

/// Runs every case of `sync-fixtures/merge/` against real SQLite replicas: for each delivery
/// order, and for two ways of cutting batches into runs, a fresh receiver merges the batches
/// through `ReplicaStore.merge`; then its `list` output, refusals, per-batch reports and version
/// vector must be the case's, `list --as-of` (a replay of the log) must agree with the tables,
/// `rebuild()` must recreate identical tables, and a second replica that pulls everything from
/// the receiver (a relay) must end up with the same records.
@Suite("Merge fixtures, SQLite store")
struct MergeFixtureStoreTests {
    @Test func fixtureDirectoryHoldsAtLeastTwentyCases() {
        #expect(MergeFixture.caseNames.count >= 20, "found \(MergeFixture.caseNames.count) cases in \(MergeFixture.directory.path)")
    }

    @Test(arguments: MergeFixture.caseNames)
    func everyDeliveryOrderGivesTheExpectedRecords(_ file: String) throws {
        let fixture = try MergeFixture.load(file)
        let folder = try FixtureFolder()
        let names = Dictionary(uniqueKeysWithValues: fixture.authors.values.compactMap { author in author.name.map { (author.replica, $0) } })
        let now = fixture.receiver.nowMillis
        // The fixtures' declarations of authors are believed as a direct peer's would be, and
        // every author's key is known up front (the fixtures test merging, keys are `VerifyTests`').
        let authorIDs = Set(fixture.authors.values.map(\.replica)).union([fixture.receiver.replica])
        let options = MergeOptions(maxClockSkewMillis: fixture.receiver.maxClockSkewMillis, trustedPeers: authorIDs)
        var replicaCount = 0
        func newReplica(_ id: ReplicaID, name: String) throws -> ReplicaStore {
            replicaCount += 1
            let identity = ReplicaIdentity(id: id, office: fixture.receiver.office, role: fixture.receiver.role, name: name)
            let store = try ReplicaStore.create(at: folder.path("\(replicaCount).accord"), identity: identity,
                                                signingKey: FixtureKeys.key(for: id), clock: { now })
            for author in authorIDs where author != id { try store.pin(author, author: nil, name: nil, publicKey: FixtureKeys.key(for: author).publicKey) }
            return store
        }

        for delivery in fixture.deliveries {
            for cutting in RunCutting.allCases {
                let context = "\(delivery.name) (\(cutting))"
                let store = try newReplica(fixture.receiver.replica, name: fixture.receiver.name)
                var refused: Set<MergeFixture.Refused> = []
                for (index, batch) in delivery.batches.enumerated() {
                    let changes = fixture.changes(of: batch)
                    let report = try store.merge(cutting.batch(changes, authors: fixture.declaredAuthors(in: batch), names: names), options: options)
                    func refs(_ runs: [RefusedRun]) -> [String] {
                        runs.flatMap { run in run.seqs.map { fixture.ref(author: run.author, seq: $0) ?? "\(run.author):\($0)" } }
                    }
                    let batchRefused = Set(report.refused.flatMap { run in refs([run]).map { MergeFixture.Refused(ref: $0, rule: run.rule) } })
                    refused.formUnion(batchRefused)
                    guard let expect = batch.expect else { continue }
                    let place = "\(context), batch \(index + 1)"
                    if let applied = expect.applied { #expect(report.applied == applied, "\(place): applied") }
                    if let duplicates = expect.duplicates { #expect(report.duplicates == duplicates, "\(place): duplicates") }
                    #expect(Set(refs(report.held)) == expect.held, "\(place): held")
                    #expect(batchRefused == expect.refused, "\(place): refused")
                }

                for kind in RecordKind.allCases {
                    let live = try store.list(kind).map(\.serialized)
                    let all = try store.list(kind, includeDeleted: true).map(\.serialized)
                    #expect(sameBytes(live, fixture.expected(kind, includeDeleted: false)),
                            "\(context): list \(kind.rawValue)\n got      \(live)\n expected \(fixture.expected(kind, includeDeleted: false))")
                    #expect(sameBytes(all, fixture.expected(kind, includeDeleted: true)), "\(context): list \(kind.rawValue) with deleted")
                    #expect(sameBytes(try store.list(kind, asOf: now).map(\.serialized), live), "\(context): list --as-of now replays the log")
                }
                #expect(refused == fixture.expectedRefused, "\(context): refusals")
                #expect(try store.versionVector() == fixture.expectedVersionVector, "\(context): version vector")

                let tables = try tableRows(store)
                try store.rebuild()
                #expect(try tableRows(store) == tables, "\(context): rebuild() recreates the same tables")

                // Relay: everything the receiver holds, pulled by a fresh replica, gives the same
                // records (unknown fields included) and nothing is refused on the way.
                let relay = try newReplica(ReplicaID("a0d1000000000fff")!, name: "relay-target")
                let pulled = try store.missingChanges(for: VersionVector(), limit: Int.max)
                let relayed = try relay.merge(pulled, options: options)
                #expect(relayed.refused.isEmpty && relayed.held.isEmpty, "\(context): relay refused \(relayed.refused) held \(relayed.held)")
                #expect(try relay.versionVector() == store.versionVector(), "\(context): relay version vector")
                #expect(try tableRows(relay) == tables, "\(context): relayed tables")
                try relay.close()
                try store.close()
            }
        }
    }
}
