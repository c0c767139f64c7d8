import AccordCore
import Foundation
import GRDB
import Testing

/// An office's and the secretariat's day with the real `accord` executable on real database
/// files: init, import every sample, list, show, edit, delete, restore, history, log, rebuild.
@Suite("accord: the local workflow")
struct CLIWorkflowTests {
    /// The secretariat imports the activity and training-variant samples (JSON Lines), once
    /// with --db and once with ACCORD_DB, and lists them as one JSON document per line.
    @Test func theSecretariatImportsAndListsItsSamples() throws {
        let sandbox = try CLISandbox()
        let hub = try sandbox.initReplica("hub", office: "WIPO", role: "secretariat")
        let imported = try sandbox.ok(["import", "activity", CLISamples.path("activity.sample.jsonl"), "--db", hub])
        #expect(imported.stdout.contains("20 rows"))
        #expect(imported.stdout.contains("20 new"))
        try sandbox.ok(["import", "training_variant", CLISamples.path("training_variant.sample.jsonl")], environment: ["ACCORD_DB": hub])

        for (kind, count, prefix) in [("activity", 20, "act-WIPO-"), ("training_variant", 12, "tv-WIPO-")] {
            let listed = try sandbox.ok(["list", kind, "--json", "--db", hub])
            #expect(listed.stdout.hasSuffix("\n"))
            let lines = listed.stdoutLines
            #expect(lines.count == count)
            let documents = lines.map { jsonObject($0) }
            #expect(documents.allSatisfy { $0["id"]?.text?.hasPrefix(prefix) == true && $0["owner"] == .string("WIPO") })
            // Ordered by id, compact, keys sorted: byte-stable output.
            #expect(documents.compactMap { $0["id"]?.text } == documents.compactMap { $0["id"]?.text }.sorted())
            #expect(lines.map { JSONValue.object(jsonObject($0)).serialized } == lines)
            // Same through ACCORD_DB.
            #expect(try sandbox.ok(["list", kind, "--json"], environment: ["ACCORD_DB": hub]).stdout == listed.stdout)
        }
        // Chinese titles come out exactly as they went in.
        let firstSample = try JSONValue.parse(try CLISamples.lines("activity.sample.jsonl")[0])
        let activities = try sandbox.ok(["list", "activity", "--json", "--db", hub]).stdoutLines.map { jsonObject($0) }
        #expect(activities.contains { $0["title"] == firstSample["title"] && $0["title_en"] == firstSample["title_en"] })

        let table = try sandbox.ok(["list", "activity", "--db", hub])
        #expect(table.stdoutLines.first?.hasPrefix("id") == true)
        #expect(table.stdoutLines.last == "20 record(s)")
    }

    /// Offices import their ALERT lists from CSV and JSON Lines; the same file again changes
    /// nothing.
    @Test func officesImportTheirALERTListsFromCSVAndJSONLines() throws {
        let sandbox = try CLISandbox()
        let csvLines = try CLISamples.lines("alert_upload.sample.csv")
        let korean = try sandbox.write("kr-list.csv", ([csvLines[0]] + csvLines.filter { $0.hasPrefix("KR,") }).joined(separator: "\r\n") + "\r\n")
        let italian = try sandbox.write("it-list.jsonl", try CLISamples.lines("alert_upload.sample.jsonl").filter { $0.contains(#""contributor": "IT""#) }.joined(separator: "\n"))
        let seoul = try sandbox.initReplica("seoul", office: "KR")
        let rome = try sandbox.initReplica("rome", office: "IT")

        #expect(try sandbox.ok(["import", "alert_upload", korean, "--db", seoul]).stdout.contains("113 new"))
        #expect(try sandbox.ok(["import", "alert_upload", italian, "--db", rome]).stdout.contains("106 new"))
        let before = try sandbox.fingerprint(seoul)
        let again = try sandbox.ok(["import", "alert_upload", korean, "--db", seoul])
        #expect(again.stdout.contains("0 new, 0 updated, 113 unchanged (0 changes)"))
        #expect(try sandbox.fingerprint(seoul) == before)

        let korea = try sandbox.ok(["list", "alert_upload", "--json", "--db", seoul]).stdoutLines.map { jsonObject($0) }
        #expect(korea.count == 113)
        #expect(korea.allSatisfy { $0["contributor"] == .string("KR") && $0["id"]?.text?.hasPrefix("alert-KR-") == true })
        let italy = try sandbox.ok(["list", "alert_upload", "--json", "--db", rome]).stdoutLines.map { jsonObject($0) }
        #expect(italy.count == 106)
        // Progress goes to a terminal only: piped output holds just the summary.
        #expect(try sandbox.ok(["import", "alert_upload", italian, "--db", rome]).stderr.isEmpty)
    }

    @Test func addShowEditDeleteRestoreHistoryLogRebuild() throws {
        let sandbox = try CLISandbox()
        let db = try sandbox.initReplica("nairobi-1", office: "KE")
        let added = try sandbox.ok(["add", "alert_upload", "--db", db, "--json",
                                    #"{"domain": "https://Xn--Fuball-Cta.Example/live", "kind": "website", "category": "live_sports", "status": "online", "listed_on": "2026-09-14"}"#])
        let id = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id == RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: "fußball.example").rawValue)
        let other = try sandbox.ok(["add", "alert_upload", "--db", db, "--json", #"{"domain": "漫画.example", "status": "online"}"#])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let shown = jsonObject(try sandbox.ok(["show", id, "--json", "--db", db]).stdout)
        #expect(shown["domain"] == .string("fußball.example"))
        #expect(shown["contributor"] == .string("KE"))
        #expect(shown["removed_on"] == .null)
        let listedLine = try sandbox.ok(["list", "alert_upload", "--json", "--db", db]).stdoutLines.first { $0.contains(id) }
        #expect(listedLine == JSONValue.object(shown).serialized)
        let human = try sandbox.ok(["show", id, "--db", db]).stdoutLines
        #expect(human.first?.hasPrefix("id") == true && human.first?.hasSuffix(id) == true)
        #expect(human.contains { $0.hasPrefix("domain") && $0.hasSuffix("fußball.example") })

        let edited = try sandbox.ok(["edit", id, "--set", "status=offline", "--set", "removed_on=2026-11-24", "--set", "notes=taken down", "--db", db])
        #expect(edited.stdout.contains("3 change(s)"))
        let afterEdit = jsonObject(try sandbox.ok(["show", id, "--json", "--db", db]).stdout)
        #expect(afterEdit["status"] == .string("offline"))
        #expect(afterEdit["removed_on"] == .string("2026-11-24"))
        #expect(afterEdit["notes"] == .string("taken down"))
        #expect(try sandbox.ok(["edit", id, "--set", "status=offline", "--db", db]).stdout.contains("nothing changed"))

        try sandbox.ok(["delete", id, "--db", db])
        #expect(try sandbox.ok(["list", "alert_upload", "--json", "--db", db]).stdoutLines.map { jsonObject($0)["id"] } == [.string(other)])
        #expect(jsonObject(try sandbox.ok(["show", id, "--json", "--db", db]).stdout)["deleted"] == .bool(true))
        try sandbox.fails(["delete", id, "--db", db])
        try sandbox.ok(["edit", id, "--set", "notes=edited while deleted", "--db", db])
        try sandbox.ok(["restore", id, "--db", db])
        let restored = jsonObject(try sandbox.ok(["show", id, "--json", "--db", db]).stdout)
        #expect(restored["deleted"] == nil)
        #expect(restored["status"] == .string("offline"))
        #expect(restored["notes"] == .string("edited while deleted"))
        #expect(try sandbox.ok(["list", "alert_upload", "--json", "--db", db]).stdoutLines.count == 2)

        // history: every change to the record, with value, time and author; the winner marked.
        let history = try sandbox.ok(["history", id, "--db", db]).stdoutLines
        #expect(history.count == 5 + 3 + 1 + 1 + 1)
        #expect(history.allSatisfy { $0.contains("by KE/nairobi-1") && $0.contains("replica ") })
        #expect(history.filter { $0.contains("← current") }.count == 8)
        #expect(history.contains { $0.contains("status = \"offline\"") && $0.contains("← current") })
        #expect(history.contains { $0.contains("status = \"online\"") && !$0.contains("← current") })
        let statusHistory = try sandbox.ok(["history", id, "--field", "status", "--json", "--db", db]).stdoutLines.map { jsonObject($0) }
        #expect(statusHistory.map { $0["value"] } == [.string("online"), .string("offline")])
        #expect(statusHistory.map { $0["winner"] } == [.bool(false), .bool(true)])
        #expect(statusHistory.allSatisfy { $0["office"] == .string("KE") && $0["replica_name"] == .string("nairobi-1") })

        // log --json: every change once, gap-free, chained.
        let log = try sandbox.ok(["log", "--json", "--db", db]).stdoutLines.map { jsonObject($0) }
        #expect(log.count == 5 + 2 + 3 + 1 + 1 + 1)
        #expect(log.map { $0["seq"] } == (1...log.count).map { .int(Int64($0)) })
        #expect(log.first?["prev_hash"] == .null)
        for (previous, next) in zip(log, log.dropFirst()) { #expect(next["prev_hash"] == previous["hash"]) }
        #expect(log.allSatisfy { $0["role"] == .string("office") && $0["author"]?.text?.count == 16 })

        // rebuild: identical.
        let before = try sandbox.fingerprint(db)
        let listBefore = try sandbox.ok(["list", "alert_upload", "--json", "--db", db]).stdout
        let rebuilt = try sandbox.ok(["rebuild", "--db", db])
        #expect(rebuilt.stdout.contains("2 alert_upload"))
        #expect(try sandbox.ok(["list", "alert_upload", "--json", "--db", db]).stdout == listBefore)
        #expect(try sandbox.fingerprint(db) == before)
    }

    /// A spreadsheet export: byte order mark, CRLF, a quoted cell with a comma and a line
    /// break, empty cells.
    @Test func anExcelStyleCSVImports() throws {
        let sandbox = try CLISandbox()
        let db = try sandbox.initReplica("nairobi", office: "KE")
        let text = "\u{FEFF}contributor,domain,category,status,listed_on,notes\r\nKE,a.example,iptv,online,2026-01-01,\"first line, with comma\r\nsecond line\"\r\nKE,b.example,,,,\r\n"
        let file = try sandbox.write("excel.csv", text)
        #expect(try sandbox.ok(["import", "alert_upload", file, "--db", db]).stdout.contains("2 new"))
        let records = try sandbox.ok(["list", "alert_upload", "--json", "--db", db]).stdoutLines.map { jsonObject($0) }
        let a = try #require(records.first { $0["domain"] == .string("a.example") })
        #expect(a["notes"] == .string("first line, with comma\r\nsecond line"))
        let b = try #require(records.first { $0["domain"] == .string("b.example") })
        #expect(b["category"] == .null && b["status"] == .null && b["listed_on"] == .null)
    }

    /// Deleted records appear with --include-deleted, as `show` prints them.
    @Test func includeDeletedListsDeletedRecordsMarked() throws {
        let sandbox = try CLISandbox()
        let db = try sandbox.initReplica("nairobi", office: "KE")
        let id = try sandbox.ok(["add", "alert_upload", "--db", db, "--json", #"{"domain": "a.example", "status": "online"}"#])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try sandbox.ok(["add", "alert_upload", "--db", db, "--json", #"{"domain": "b.example"}"#])
        try sandbox.ok(["delete", id, "--db", db])
        #expect(try sandbox.ok(["list", "alert_upload", "--json", "--db", db]).stdoutLines.count == 1)
        let all = try sandbox.ok(["list", "alert_upload", "--json", "--include-deleted", "--db", db]).stdoutLines
        #expect(all.count == 2)
        let shown = try sandbox.ok(["show", id, "--json", "--db", db]).stdout.trimmingCharacters(in: .newlines)
        #expect(all.contains(shown))
        #expect(jsonObject(shown)["deleted"] == .bool(true))
        // The same from a replay of the log (--as-of now), which used to drop deleted records.
        let now = String(UInt64(Date().timeIntervalSince1970 * 1000) + 1_000)
        #expect(try sandbox.ok(["list", "alert_upload", "--json", "--include-deleted", "--as-of", now, "--db", db]).stdoutLines == all)
    }

    /// The log export filters by author replica and by time.
    @Test func logFiltersByReplicaAndTime() throws {
        let sandbox = try CLISandbox()
        let db = try sandbox.initReplica("nairobi", office: "KE")
        try sandbox.ok(["add", "alert_upload", "--db", db, "--json", #"{"domain": "a.example", "status": "online"}"#])
        let all = try sandbox.ok(["log", "--json", "--db", db]).stdoutLines
        #expect(all.count == 2)
        let author = try #require(jsonObject(all[0])["author"]?.text)
        #expect(try sandbox.ok(["log", "--json", "--replica", author, "--db", db]).stdoutLines == all)
        #expect(try sandbox.ok(["log", "--json", "--replica", "ffffffffffffffff", "--db", db]).stdout.isEmpty)
        #expect(try sandbox.ok(["log", "--json", "--since", "2000-01-01", "--db", db]).stdoutLines == all)
        #expect(try sandbox.ok(["log", "--json", "--since", "2999-01-01", "--db", db]).stdout.isEmpty)
        #expect(try sandbox.fails(["log", "--json", "--replica", "nairobi", "--db", db]).stderr.contains("16 hex digits"))
        // Every line carries the chain and the author's registration.
        for line in all {
            let change = jsonObject(line)
            for key in ["author", "seq", "hlc", "hlc_raw", "record", "field", "element", "value", "prev_hash", "hash", "received", "office", "role", "replica_name"] {
                #expect(change[key] != nil, "\(key) missing")
            }
        }
        // The commit's last change carries its author's signature over the chain head.
        #expect(jsonObject(all[0])["signature"] == nil)
        #expect(jsonObject(all[1])["signature"]?.text?.utf8.count == 128)
    }

    /// `verify` exits 0 on an honest replica and non-zero, naming the record, once a table row
    /// is edited behind Accord's back.
    @Test func verifyFailsOnATamperedFile() throws {
        let sandbox = try CLISandbox()
        let db = try sandbox.initReplica("nairobi", office: "KE")
        let id = try sandbox.ok(["add", "alert_upload", "--db", db, "--json", #"{"domain": "a.example", "status": "online"}"#])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try sandbox.ok(["verify", "--db", db]).stdout.contains("verified"))
        let raw = try DatabaseQueue(path: db)
        try raw.write { try $0.execute(sql: "UPDATE alert_upload SET status = 'offline' WHERE id = ?", arguments: [id]) }
        try raw.close()
        let failed = try sandbox.fails(["verify", "--db", db])
        #expect(failed.status != 0)
        #expect(failed.stdout.contains(id) || failed.stderr.contains(id), "\(failed)")
    }

    /// Set fields through the command line: `--set` replaces the set, `--add`/`--remove` change
    /// one element.
    @Test func setFieldsAreEditedElementByElement() throws {
        let sandbox = try CLISandbox()
        let hub = try sandbox.initReplica("hub", office: "WIPO", role: "secretariat")
        let id = try sandbox.ok(["add", "activity", "--db", hub, "--json",
                                 #"{"title": "国家讲习班", "kind": "Workshop", "start_date": "2026-03-02", "end_date": "2026-03-03", "audience": ["judges", "Customs Officers"]}"#])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.hasPrefix("act-WIPO-"))
        try sandbox.ok(["edit", id, "--add", "audience=police", "--remove", "audience=judges", "--set", "organizers=KIPO;WIPO", "--db", hub])
        let record = jsonObject(try sandbox.ok(["show", id, "--json", "--db", hub]).stdout)
        #expect(record["audience"] == .array([.string("customs_officers"), .string("police")]))
        #expect(record["organizers"] == .array([.string("KIPO"), .string("WIPO")]))
        #expect(record["kind"] == .string("workshop"))
        #expect(record["title"] == .string("国家讲习班"))
        try sandbox.ok(["edit", id, "--set", "organizers=", "--db", hub])
        #expect(jsonObject(try sandbox.ok(["show", id, "--json", "--db", hub]).stdout)["organizers"] == .array([]))
    }

    /// `--as-of` shows the collection as it was before later edits.
    @Test func listAsOfShowsThePast() throws {
        let sandbox = try CLISandbox()
        let db = try sandbox.initReplica("nairobi", office: "KE")
        let id = try sandbox.ok(["add", "alert_upload", "--db", db, "--json", #"{"domain": "a.example", "status": "online"}"#])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let then = try sandbox.ok(["list", "alert_upload", "--json", "--db", db]).stdout
        Thread.sleep(forTimeInterval: 0.01)
        let instant = String(UInt64(Date().timeIntervalSince1970 * 1000))
        Thread.sleep(forTimeInterval: 0.01)
        try sandbox.ok(["edit", id, "--set", "status=offline", "--db", db])
        #expect(try sandbox.ok(["list", "alert_upload", "--json", "--as-of", instant, "--db", db]).stdout == then)
        #expect(try sandbox.ok(["list", "alert_upload", "--json", "--as-of", "1970-01-02", "--db", db]).stdout.isEmpty)
        #expect(jsonObject(try sandbox.ok(["show", id, "--json", "--as-of", instant, "--db", db]).stdout)["status"] == .string("online"))
        try sandbox.fails(["list", "alert_upload", "--as-of", "last tuesday", "--db", db])
    }
}

/// What `list --json` prints is the interchange form, so it imports back as the same records
/// (an office can export, edit in a script, and re-import).
@Suite("accord: export and re-import")
struct CLIRoundTripTests {
    @Test(arguments: [("activity", "activity.sample.jsonl", "WIPO"), ("training_variant", "training_variant.sample.jsonl", "WIPO"), ("alert_upload", "kr", "KR")])
    func listJSONReimportsWithoutChanges(kind: String, sample: String, office: String) throws {
        let sandbox = try CLISandbox()
        let db = try sandbox.initReplica("replica", office: office, role: office == "WIPO" ? "secretariat" : "office")
        var source = CLISamples.path(sample)
        if sample == "kr" {
            source = try sandbox.write("kr.jsonl", try CLISamples.lines("alert_upload.sample.jsonl").filter { $0.contains(#""contributor": "KR""#) }.joined(separator: "\n"))
        }
        try sandbox.ok(["import", kind, source, "--db", db])
        let exported = try sandbox.ok(["list", kind, "--json", "--db", db]).stdout
        let file = try sandbox.write("export.jsonl", exported)
        let before = try sandbox.fingerprint(db)
        let again = try sandbox.ok(["import", kind, file, "--db", db])
        #expect(again.stdout.contains("0 new, 0 updated"), "\(again)")
        #expect(again.stdout.contains("(0 changes)"))
        #expect(try sandbox.fingerprint(db) == before)
    }
}
