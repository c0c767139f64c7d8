import AccordCore
import AccordStore
import ArgumentParser
import Foundation

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Walk through Accord: two offices work offline, conflict, merge, and audit.",
        discussion: """
            Everything happens in a temporary folder that is removed afterwards (--keep keeps it).
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
        if keep { print("\nkept \(folder.path)") }
    }
}

/// The demo's steps, printed as the commands a person would type.
struct DemoScript {
    let folder: URL

    func step(_ text: String) { print("\n== \(text)") }
    func command(_ text: String) { print("$ accord \(text)") }

    func run() async throws {
        step("Two laptops of the Kenyan office, each with its own replica")
        let laptop1 = try makeReplica("nairobi-1", office: "KE")
        let laptop2 = try makeReplica("nairobi-2", office: "KE")

        step("Laptop 1 imports the office's ALERT list (CSV, Unicode and punycode domains)")
        let csv = folder.appendingPathComponent("ke-alert-list.csv")
        try DemoData.alertCSV.write(to: csv, atomically: true, encoding: .utf8)
        command("import alert_upload \(csv.lastPathComponent) --db nairobi-1.accord")
        let report = try laptop1.importRecords(.alertUpload, bytes: Array(DemoData.alertCSV.utf8), format: .csv)
        print("imported: \(report.created) new records, \(report.changes) changes")
        command("import alert_upload \(csv.lastPathComponent) --db nairobi-1.accord   # again: nothing changes")
        let again = try laptop1.importRecords(.alertUpload, bytes: Array(DemoData.alertCSV.utf8), format: .csv)
        print("imported: \(again.created) new, \(again.unchanged) unchanged, \(again.changes) changes")

        step("Laptop 2 lists the same site offline, typed in punycode")
        command(#"add alert_upload --json '{"domain": "xn--fuball-cta.example", "status": "offline", "category": "live_sports"}' --db nairobi-2.accord"#)
        let sameSite = RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: try DomainName.normalize("xn--fuball-cta.example"))
        try laptop2.write(sameSite, [FieldWrite(field: "domain", value: .string(try DomainName.normalize("xn--fuball-cta.example"))),
                                     FieldWrite(field: "status", value: .string("offline")),
                                     FieldWrite(field: "category", value: .string("live_sports"))])
        print(sameSite)

        step("Both laptops sync (peer to peer here; `accord sync` does the same with the hub over mutual TLS)")
        try exchange(laptop1, laptop2)
        command("list alert_upload --db nairobi-2.accord")
        try printAlerts(laptop2)

        step("Offline, both edit the status of the same entry: a conflict")
        let target = sameSite
        command("edit \(target) --set status=online --db nairobi-1.accord")
        try laptop1.write(target, [FieldWrite(field: "status", value: .string("online"))])
        try await Task.sleep(for: .milliseconds(5))
        command("edit \(target) --set status=offline --set notes='taken down 24 Nov' --db nairobi-2.accord")
        try laptop2.write(target, [FieldWrite(field: "status", value: .string("offline")), FieldWrite(field: "notes", value: .string("taken down 24 Nov"))])

        step("Sync again: last writer wins, everywhere the same")
        try exchange(laptop1, laptop2)
        for (name, store) in [("nairobi-1", laptop1), ("nairobi-2", laptop2)] {
            command("show \(target) --json --db \(name).accord")
            print(try store.record(target)!.json().serialized)
        }

        step("The audit trail of the conflicted field")
        command("history \(target) --field status --db nairobi-1.accord")
        let current = try laptop1.record(target)
        for logged in try laptop1.history(of: target, field: "status") {
            let won = current?.scalars["status"]?.stamp == logged.change.stamp
            let who = logged.authorInfo.map { "\($0.author.office)/\($0.name ?? "?")" } ?? "?"
            print("\(logged.change.hlc)  status = \(logged.change.value.json.serialized)  by \(who)\(won ? "  ← current" : "")")
        }

        step("Rebuild the tables from the log: identical")
        let before = try laptop1.list(.alertUpload).map(\.serialized)
        try laptop1.rebuild()
        print(before == (try laptop1.list(.alertUpload).map(\.serialized)) ? "identical ✓" : "DIFFERENT ✗")
        try laptop1.close()
        try laptop2.close()
    }

    func makeReplica(_ name: String, office: String) throws -> ReplicaStore {
        command("init --db \(name).accord --office \(office) --replica \(name)")
        let identity = ReplicaIdentity(id: .random(), office: OfficeCode(office)!, role: .office, name: name)
        return try ReplicaStore.create(at: folder.appendingPathComponent("\(name).accord").path, identity: identity)
    }

    func exchange(_ a: ReplicaStore, _ b: ReplicaStore) throws {
        let toB = try b.merge(a.missingChanges(for: b.versionVector(), limit: 10_000))
        let toA = try a.merge(b.missingChanges(for: a.versionVector(), limit: 10_000))
        print("\(a.identity.name) → \(b.identity.name): \(toB.applied) changes; \(b.identity.name) → \(a.identity.name): \(toA.applied) changes")
    }

    func printAlerts(_ store: ReplicaStore) throws {
        let records = try store.list(.alertUpload)
        let columns = ["id", "domain", "status", "category"]
        print(Table.render(header: columns, rows: records.map { record in columns.map { record[$0].map(Table.cell) ?? "" } }))
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
}
