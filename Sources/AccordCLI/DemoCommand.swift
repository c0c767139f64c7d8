import AccordCore
import AccordStore
import AccordSync
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Walk through Accord: a hub and two offices over mutual TLS, offline work, a conflict, the audit trail.",
        discussion: """
            Runs a hub (the secretariat), the Kenyan and Korean offices and an auditor on 127.0.0.1
            with throw-away certificates, all in a temporary folder removed afterwards (--keep keeps it).
            Example:
              swift run accord demo
            """
    )

    @Flag(help: "Keep the temporary folder and print its path.") var keep = false

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("accord-demo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { if !keep { try? FileManager.default.removeItem(at: folder) } }
        try await DemoScript(folder: folder).run()
        print(keep ? "\nkept \(folder.path)" : "\nremoved \(folder.path)")
    }
}

/// The demo's steps, narrated as the commands a person would type at each site.
struct DemoScript {
    let folder: URL

    func step(_ text: String) { print("\n== \(text)") }
    func command(_ text: String) { print("$ accord \(text)") }
    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func run() async throws {
        step("The secretariat creates its CA and issues one certificate per replica (O=office, OU=role, CN=name)")
        let pki = folder.appendingPathComponent("pki")
        command("pki init --dir pki")
        let ca = try CertificateAuthority.create(in: pki, commonName: "Accord demo CA")
        let sites = [
            Site(name: "hub", office: "WIPO", role: .secretariat),
            Site(name: "nairobi-1", office: "KE", role: .office),
            Site(name: "seoul-1", office: "KR", role: .office),
            Site(name: "audit-1", office: "WIPO", role: .auditor),
        ]
        var stores: [String: ReplicaStore] = [:]
        var credentials: [String: TLSCredentials] = [:]
        for site in sites {
            command("pki issue --dir pki --office \(site.office) --role \(site.role.rawValue) --replica \(site.name)")
            let files = try ca.issueFiles(in: pki, identity: PeerIdentity(office: site.office, role: site.role, replicaName: site.name))
            credentials[site.name] = try TLSCredentials(certificateFile: files.certificate.path, keyFile: files.key.path,
                                                        caFile: pki.appendingPathComponent("ca.crt").path)
            command("init --db \(site.name).accord --office \(site.office) --replica \(site.name) --role \(site.role.rawValue)")
            let identity = ReplicaIdentity(id: .random(), office: OfficeCode(site.office)!, role: site.role, name: site.name)
            stores[site.name] = try ReplicaStore.create(at: path("\(site.name).accord"), identity: identity)
        }
        let hub = stores["hub"]!, kenya = stores["nairobi-1"]!, korea = stores["seoul-1"]!, auditor = stores["audit-1"]!
        defer { for store in stores.values { try? store.close() } }

        step("The hub serves on 127.0.0.1 over TLS 1.3, requiring a client certificate from the CA")
        command("serve --db hub.accord --port 0 --cert pki/hub.crt --key pki/hub.key --ca pki/ca.crt")
        let server = try SyncServer(store: hub, credentials: credentials["hub"]!, port: 0,
                                    logger: Logger(label: "accord.demo", factory: { _ in SwiftLogNoOpLogHandler() }))
        let group = ServiceGroup(configuration: .init(services: [server], logger: Logger(label: "accord.demo", factory: { _ in SwiftLogNoOpLogHandler() })))
        let serving = Task { try await group.run() }
        do {
            let url = "https://127.0.0.1:\(try await server.boundPort())"
            print("serving replica hub on \(url)")
            try await script(url: url, hub: hub, kenya: kenya, korea: korea, auditor: auditor, credentials: credentials)
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await serving.value
            throw error
        }
        step("The hub stops gracefully (as on Ctrl-C or SIGTERM)")
        await group.triggerGracefulShutdown()
        try await serving.value
        print("stopped")
    }

    struct Site {
        var name: String
        var office: String
        var role: ReplicaRole
    }

    func script(url: String, hub: ReplicaStore, kenya: ReplicaStore, korea: ReplicaStore, auditor: ReplicaStore,
                credentials: [String: TLSCredentials]) async throws {
        func sync(_ store: ReplicaStore) async throws -> SyncSummary {
            let name = store.identity.name
            command("sync --db \(name).accord --hub \(url) --cert pki/\(name).crt --key pki/\(name).key --ca pki/ca.crt")
            let client = try SyncClient(url: url, replica: store.identity.id, credentials: credentials[name]!)
            do {
                let summary = try await SyncSession(store: store, client: client).run()
                try await client.shutdown()
                print(summary.line)
                for line in summary.refusalDetails { print("  " + line) }
                return summary
            } catch {
                try? await client.shutdown()
                throw error
            }
        }

        step("Offline: Kenya imports its ALERT list and records a workshop; Korea and the secretariat add activities")
        let csv = folder.appendingPathComponent("ke-alert-list.csv")
        try DemoData.alertCSV.write(to: csv, atomically: true, encoding: .utf8)
        command("import alert_upload ke-alert-list.csv --db nairobi-1.accord")
        let report = try kenya.importRecords(.alertUpload, bytes: Array(DemoData.alertCSV.utf8), format: .csv)
        print("imported: \(report.created) new records, \(report.changes) changes")
        let workshop = try add(kenya, .activity, DemoData.kenyanWorkshop)
        _ = try add(korea, .activity, DemoData.koreanSeminar)
        _ = try add(hub, .activity, DemoData.secretariatForum)

        step("Each office syncs with the hub: only what the other side lacks travels")
        _ = try await sync(kenya)
        _ = try await sync(korea)
        _ = try await sync(kenya)

        step("Offline again, Kenya and the secretariat both correct the workshop's participant count: a conflict")
        command("edit \(workshop) --set participant_count=45 --db nairobi-1.accord")
        try kenya.write(workshop, [FieldWrite(field: "participant_count", value: .int(45))])
        try await Task.sleep(for: .milliseconds(5))
        command("edit \(workshop) --set participant_count=52 --db hub.accord")
        try hub.write(workshop, [FieldWrite(field: "participant_count", value: .int(52))])
        command("edit \(workshop) --set city=Mombasa --db nairobi-1.accord")
        try kenya.write(workshop, [FieldWrite(field: "city", value: .string("Mombasa"))])

        step("Everyone syncs: last writer wins by (clock, replica id), the same at every replica")
        _ = try await sync(kenya)
        _ = try await sync(korea)
        let reference = try Self.snapshot(hub)
        for store in [kenya, korea] where try Self.snapshot(store) != reference {
            throw CLIError("demo failed: \(store.identity.name) did not converge with the hub")
        }
        for store in [hub, kenya, korea] {
            command("show \(workshop) --json --db \(store.identity.name).accord")
            print(try store.record(workshop)!.json().serialized)
        }
        print("✓ the hub, Kenya and Korea hold identical records (\(reference.count) records compared)")

        step("The audit trail of the conflicted field")
        command("history \(workshop) --field participant_count --db hub.accord")
        let current = try hub.record(workshop)
        for logged in try hub.history(of: workshop, field: "participant_count") {
            let won = current?.stamped("participant_count")?.stamp == logged.change.stamp
            let who = logged.authorInfo.map { "\($0.author.office)/\($0.name ?? "?")" } ?? "?"
            print("\(logged.change.hlc)  participant_count = \(logged.change.value.json.serialized)  by \(who)\(won ? "  ← winner" : "")")
        }

        step("The secretariat may edit any activity, but never a national ALERT entry")
        let alert = RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: "stream-kenya-free.example")
        command("edit \(alert) --set status=offline --db hub.accord")
        do {
            try hub.write(alert, [FieldWrite(field: "status", value: .string("offline"))])
            throw CLIError("demo failed: the secretariat changed an ALERT entry")
        } catch let error as StoreError {
            print("Error: \(error)")
        }

        step("The auditor pulls everything, and cannot push")
        let audited = try await sync(auditor)
        print("the auditor now holds \(try auditor.list(.activity).count + auditor.list(.alertUpload).count) records (\(audited.pulled) changes)")
        print("a tampered client pushes a change as the auditor anyway:")
        let client = try SyncClient(url: url, replica: auditor.identity.id, credentials: credentials["audit-1"]!)
        let forged = ChangeRun(author: auditor.identity.id, firstSeq: 1, record: alert, previousHash: nil,
                               entries: [ChangeRun.Entry(hlc: HLC(millis: ReplicaStore.systemClock()), field: "status", value: .string("offline"))])
        do {
            _ = try await client.push(ChangeBatch(runs: [forged]))
            try await client.shutdown()
            throw CLIError("demo failed: the hub accepted an auditor's push")
        } catch let failure as SyncFailure {
            try await client.shutdown()
            print("Error: \(failure)")
        }
        print("the entry is unchanged at the hub: status = \(try hub.record(alert)!.value(of: "status"))")

        step("The auditor verifies its copy offline: every chain, every authorisation, every table row")
        command("verify --db audit-1.accord")
        let verification = try auditor.verify()
        guard verification.isValid else { throw CLIError("demo failed: the auditor's replica does not verify: \(verification.problems)") }
        print("verified \(verification.replicas) replicas, \(verification.changes) changes, \(verification.records) records")
    }

    func add(_ store: ReplicaStore, _ kind: RecordKind, _ json: String) throws -> RecordID {
        command("add \(kind.rawValue) --json '\(json)' --db \(store.identity.name).accord")
        guard case .object(let fields) = try JSONValue.parse(json) else { throw CLIError("demo data is not a JSON object") }
        guard case .success(let record) = RecordInput.validate(fields, kind: kind, office: store.identity.office, assignment: .random) else {
            throw CLIError("demo data is not a valid \(kind.rawValue)")
        }
        try store.write(record.id, RecordInput.writes(for: record, existing: nil))
        print(record.id)
        return record.id
    }

    static func snapshot(_ store: ReplicaStore) throws -> [String] {
        try RecordKind.allCases.flatMap { try store.list($0, includeDeleted: true).map(\.serialized) }
    }
}

enum DemoData {
    static let alertCSV = """
        contributor,domain,kind,category,status,listed_on,removed_on,legal_basis,redirects_to,notes
        KE,stream-kenya-free.example,website,streaming,online,2026-09-01,,Copyright Act 2001 s.35,,
        KE,fußball.example,website,live_sports,online,2026-09-14,,Copyright Act 2001 s.35,,Unicode domain
        KE,漫画.example,website,manga,online,2026-10-02,,Copyright Act 2001 s.35,,
        KE,com.example.iptvplayer,app,iptv,online,2026-10-20,,Copyright Act 2001 s.35,,app identifier

        """
    static let kenyanWorkshop = #"{"title": "National workshop on online piracy", "kind": "workshop", "mode": "in_person", "city": "Nairobi", "host_country": "KE", "start_date": "2026-11-10", "participant_count": 40}"#
    static let koreanSeminar = #"{"title": "저작권 집행 세미나", "title_en": "Seminar on copyright enforcement", "kind": "seminar", "city": "서울", "host_country": "KR"}"#
    static let secretariatForum = #"{"title": "Global forum on IP enforcement", "kind": "forum", "mode": "hybrid", "wipo_role": "organizer"}"#
}
