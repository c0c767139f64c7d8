import AccordCore
import AccordStore
import AccordSync
import Foundation
import Logging
import ServiceLifecycle

/// The sync workloads of BENCHMARKS.md over loopback mutual TLS, with real certificates and
/// SQLite files in a temporary folder:
///
/// - initial sync of a hub holding `records` records (6 changes each) to a fresh office;
/// - a sync with nothing new (time and bytes);
/// - a sync of 10 changed records into that large store (time and bytes);
/// - `offices` office replicas syncing at once against one hub (all must succeed; throughput,
///   and the process's peak memory — hub and clients share this process).
///
/// Bytes are HTTP body bytes (requests + responses); TLS and HTTP headers come on top.
public func runSyncBenchmarks(records: Int = 100_000, offices: Int = 200) async throws {
    try await SyncBenchmarks(records: records, offices: offices).run()
}

struct SyncBenchmarks {
    let records: Int
    let offices: Int
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("accord-sync-bench-\(getpid())")
    let quiet = Logger(label: "accord.bench", factory: { _ in SwiftLogNoOpLogHandler() })

    func run() async throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let ca = try CertificateAuthority.create(in: folder.appendingPathComponent("pki"))
        print("\nsync benchmarks: loopback TLS 1.3, mutual authentication, \(records) records, \(offices) concurrent offices")

        let hub = try store("hub", office: "WIPO", role: .secretariat)
        let source = try store("nairobi-source", office: "KE")
        let setup = ContinuousClock.now
        try fill(source, records: records)
        try copy(from: source, to: hub)
        // What the hub does on a replica's first sync: list its key in the registry, so that
        // every office that pulls its changes can check their signatures.
        try hub.registerReplica(source.identity.id, author: source.identity.author, name: source.identity.name,
                                publicKey: source.publicKey!, certificateFingerprint: nil)
        let hubHolds = Int(try hub.versionVector().heads.values.reduce(0, +))
        print(String(format: "setup: %d records (%d changes) written and merged into the hub in %.1f s",
                     records, records * 6, Self.seconds(ContinuousClock.now - setup)))

        try await serve(hub, ca: ca) { url in
            // (6) Initial sync of the large hub to a fresh office.
            let office = try store("nairobi-fresh", office: "KE")
            let credentials = try issue(ca, for: office)
            let (initial, initialTime) = try await sync(office, url: url, credentials: credentials)
            precondition(initial.pulled == hubHolds && initial.refusedCount == 0,
                         "initial sync pulled \(initial.pulled) of \(hubHolds), \(initial.refusedCount) refused")
            print(String(format: "(6) initial sync, %d changes to a fresh office: %8.0f ms, %.1f MB received in %d round trips, peak RSS %d MB",
                         initial.pulled, initialTime, Double(initial.traffic.received) / 1e6, initial.traffic.roundTrips, Self.peakRSSMegabytes()))

            // (7) A sync with nothing new.
            var noopTimes: [Double] = []
            var noopBytes = 0
            for _ in 0..<20 {
                let (noop, time) = try await sync(office, url: url, credentials: credentials)
                precondition(noop.pushed == 0 && noop.pulled == 0)
                noopTimes.append(time)
                noopBytes = noop.traffic.sent + noop.traffic.received
            }
            print(String(format: "(7) sync with nothing new: median %6.1f ms, min %6.1f ms, %d body bytes, 1 round trip (target ≤ 20 ms)",
                         Self.median(noopTimes), noopTimes.min()!, noopBytes))

            // (8) 10 changed records pushed into the large hub.
            var changedTimes: [Double] = []
            var changedBytes = 0
            for round in 0..<5 {
                _ = try office.commit { transaction in
                    for index in 0..<10 {
                        let id = Self.recordID(round * 10 + index)
                        try transaction.write(id, [FieldWrite(field: "status", value: .string(round % 2 == 0 ? "offline" : "online"))])
                    }
                }
                let (changed, time) = try await sync(office, url: url, credentials: credentials)
                precondition(changed.pushed == 10, "pushed \(changed.pushed)")
                changedTimes.append(time)
                changedBytes = changed.traffic.sent + changed.traffic.received
            }
            print(String(format: "(8) sync of 10 changed records into the large store: median %6.1f ms, %d body bytes (target ≤ 30 ms, ≤ 1 KB)",
                         Self.median(changedTimes), changedBytes))
        }

        try await concurrentOffices(ca: ca)
    }

    /// (9) `offices` replicas of distinct offices sync at once against one hub.
    func concurrentOffices(ca: CertificateAuthority) async throws {
        let hub = try store("hub-concurrent", office: "WIPO", role: .secretariat)
        let codes = ISOCountry.codes.sorted().prefix(offices)
        precondition(codes.count == offices, "only \(codes.count) office codes")
        var clients: [(ReplicaStore, TLSCredentials)] = []
        for code in codes {
            let office = try store("office-\(code)", office: code)
            _ = try office.commit { transaction in
                for index in 0..<5 {
                    let domain = "site-\(index).\(code.lowercased()).example"
                    try transaction.write(RecordID.alert(contributor: office.identity.office, normalizedDomain: domain), [
                        FieldWrite(field: "domain", value: .string(domain)),
                        FieldWrite(field: "status", value: .string("online")),
                        FieldWrite(field: "category", value: .string("streaming")),
                    ])
                }
            }
            clients.append((office, try issue(ca, for: office)))
        }
        try await serve(hub, ca: ca) { url in
            let started = ContinuousClock.now
            let summaries = try await withThrowingTaskGroup(of: SyncSummary.self) { group in
                for (office, credentials) in clients {
                    group.addTask { try await sync(office, url: url, credentials: credentials).0 }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let elapsed = Self.seconds(ContinuousClock.now - started)
            let pushed = summaries.reduce(0) { $0 + $1.pushed }
            let pulled = summaries.reduce(0) { $0 + $1.pulled }
            guard summaries.count == offices && summaries.allSatisfy({ $0.refusedCount == 0 }) && pushed == offices * 15 else {
                let refused = summaries.flatMap { $0.refusedByServer.map { "server: \($0)" } + $0.refusedLocally.map { "local: \($0)" } }
                print("(9) FAILED: \(summaries.count) syncs, pushed \(pushed), \(refused.count) refused: \(refused.prefix(5))")
                exit(1)
            }
            print(String(format: "(9) %d offices syncing at once: all succeeded in %.2f s, %.0f syncs/s, %.0f changes/s (pushed %d, pulled %d), peak RSS %d MB (hub and clients in one process)",
                         offices, elapsed, Double(offices) / elapsed, Double(pushed + pulled) / elapsed, pushed, pulled, Self.peakRSSMegabytes()))
        }
    }

    // MARK: Helpers

    func store(_ name: String, office: String, role: ReplicaRole = .office) throws -> ReplicaStore {
        try ReplicaStore.create(at: folder.appendingPathComponent("\(name).accord").path,
                                identity: ReplicaIdentity(id: .random(), office: OfficeCode(office)!, role: role, name: name))
    }

    func issue(_ ca: CertificateAuthority, for store: ReplicaStore) throws -> TLSCredentials {
        let issued = try ca.issue(identity: PeerIdentity(office: store.identity.office.rawValue, role: store.identity.role, replicaName: store.identity.name))
        return try TLSCredentials(certificatePEM: issued.certificatePEM, keyPEM: issued.privateKeyPEM, caPEM: ca.certificate.serializeAsPEM().pemString)
    }

    static func recordID(_ index: Int) -> RecordID {
        RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: "bench-\(index).example")
    }

    /// `records` ALERT entries × 6 fields, committed 10,000 records at a time.
    func fill(_ store: ReplicaStore, records: Int) throws {
        for chunk in stride(from: 0, to: records, by: 10_000) {
            _ = try store.commit { transaction in
                for index in chunk..<min(records, chunk + 10_000) {
                    try transaction.write(Self.recordID(index), [
                        FieldWrite(field: "domain", value: .string("bench-\(index).example")),
                        FieldWrite(field: "kind", value: .string("website")),
                        FieldWrite(field: "category", value: .string("streaming")),
                        FieldWrite(field: "status", value: .string("online")),
                        FieldWrite(field: "listed_on", value: .string("2026-09-01")),
                        FieldWrite(field: "legal_basis", value: .string("Copyright Act 2001 s.35, order \(index / 40)")),
                    ])
                }
            }
        }
    }

    /// Everything `source` holds that `target` lacks, merged locally in bounded batches.
    func copy(from source: ReplicaStore, to target: ReplicaStore) throws {
        while true {
            let batch = try source.missingChanges(for: target.versionVector(), limit: 50_000)
            guard !batch.runs.isEmpty else { return }
            let report = try target.merge(batch, options: MergeOptions(trustedPeers: [source.identity.id]))
            precondition(report.refused.isEmpty && report.held.isEmpty, "copy refused \(report.refused.prefix(3))")
        }
    }

    func serve(_ hub: ReplicaStore, ca: CertificateAuthority, _ body: (String) async throws -> Void) async throws {
        let server = try SyncServer(store: hub, credentials: issue(ca, for: hub), port: 0, logger: quiet)
        let group = ServiceGroup(configuration: .init(services: [server], logger: quiet))
        let running = Task { try await group.run() }
        do {
            try await body("https://127.0.0.1:\(try await server.boundPort())")
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            throw error
        }
        await group.triggerGracefulShutdown()
        try await running.value
    }

    func sync(_ store: ReplicaStore, url: String, credentials: TLSCredentials) async throws -> (SyncSummary, Double) {
        let started = ContinuousClock.now
        let client = try SyncClient(url: url, replica: store.identity.id, credentials: credentials)
        do {
            let summary = try await SyncSession(store: store, client: client).run()
            let elapsed = ContinuousClock.now - started
            try await client.shutdown()
            return (summary, Self.seconds(elapsed) * 1000)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    /// VmHWM from /proc/self/status: the process's peak resident memory, in MB.
    static func peakRSSMegabytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return -1 }
        return kilobytes / 1024
    }
}
