import AccordCore
import AccordStore
import Foundation
import Testing

/// Bad input gets a clear error on stderr naming the file and line, the record or the field,
/// a non-zero exit, and changes nothing in the database.
@Suite("accord: bad input and refusals")
struct CLIBadInputTests {
    @Test func aBadCSVFileImportsNothingAndListsEveryProblemAsFileLineField() throws {
        let sandbox = try CLISandbox()
        let db = try sandbox.initReplica("nairobi", office: "KE")
        try sandbox.ok(["add", "alert_upload", "--db", db, "--json", #"{"domain": "existing.example"}"#])
        let file = try sandbox.write("ke-list.csv", """
            contributor,domain,kind,category,status,listed_on,removed_on
            KE,good.example,website,streaming,online,2026-01-01,
            KE,bad domain.example,website,streaming,online,2026-01-01,
            KE,good-two.example,website,streaming,online,2026-01-01,
            KE,late.example,website,streaming,offline,2026-03-01,2026-02-01
            KE,wrong.example,web,streaming,down,2026-01-01,
            UG,foreign.example,website,streaming,online,2026-01-01,

            """)
        let before = try sandbox.fingerprint(db)
        let result = try sandbox.fails(["import", "alert_upload", file, "--db", db])
        let problems = result.stderrLines.filter { $0.hasPrefix(file + ":") }
        #expect(problems.count == 5, "\(result)")
        let located = problems.map { line in line.dropFirst(file.count + 1).split(separator: ":").prefix(2).joined(separator: ":") }
        let foreign = RecordID.alert(contributor: OfficeCode("UG")!, normalizedDomain: "foreign.example")
        #expect(located == ["3: domain", "5: removed_on", "6: kind", "6: status", "7: contributor"])
        #expect(problems[4].hasSuffix("office KE cannot write \(foreign): it belongs to UG"))
        #expect(problems[1].contains("2026-02-01"))
        #expect(problems[2].contains("\"web\""))
        #expect(result.stderr.contains("nothing was imported"))
        #expect(result.stdout.isEmpty)
        #expect(try sandbox.fingerprint(db) == before)
    }

    @Test func aBadJSONLinesFileNamesEachBadLine() throws {
        let sandbox = try CLISandbox()
        let hub = try sandbox.initReplica("hub", office: "WIPO", role: "secretariat")
        let file = try sandbox.write("activities.jsonl", """
            {"title": "Good one", "start_date": "2026-01-01"}
            {"title": "Twice", "title": "again"}
            {"title": "Bad count", "participant_count": -5}

            {"title": "Bad country", "host_country": "XX", "participating_countries": ["KE", "ZZ"]}
            not json at all
            {"titel": "typo"}
            """)
        let before = try sandbox.fingerprint(hub)
        let result = try sandbox.fails(["import", "activity", file, "--db", hub])
        let problems = result.stderrLines.filter { $0.hasPrefix(file + ":") }.map { String($0.dropFirst(file.count + 1)) }
        #expect(problems.count == 7, "\(result)")
        #expect(problems[0].hasPrefix("2: ") && problems[0].contains("duplicate key \"title\""))
        #expect(problems[1].hasPrefix("3: participant_count: "))
        #expect(problems[2].hasPrefix("5: host_country: "))
        #expect(problems[3].hasPrefix("5: participating_countries: ") && problems[3].contains("ZZ"))
        #expect(problems[4].hasPrefix("6: "))
        #expect(problems[5].hasPrefix("7: titel: unknown field"))
        #expect(problems[6].hasPrefix("7: title: is required"))
        #expect(try sandbox.fingerprint(hub) == before)
    }

    @Test func theNumberOfListedProblemsIsCapped() throws {
        let sandbox = try CLISandbox()
        let db = try sandbox.initReplica("nairobi", office: "KE")
        let file = try sandbox.write("many.csv", "domain,status\n" + (0..<120).map { "site\($0).example,broken" }.joined(separator: "\n"))
        let result = try sandbox.fails(["import", "alert_upload", file, "--db", db, "--max-errors", "10"])
        #expect(result.stderrLines.filter { $0.hasPrefix(file + ":") }.count == 10)
        #expect(result.stderr.contains("110 more"))
        #expect(result.stderr.contains("120 problem(s)"))
    }

    @Test func unreadableAndUnknownFilesAreRefused() throws {
        let sandbox = try CLISandbox()
        let db = try sandbox.initReplica("nairobi", office: "KE")
        let before = try sandbox.fingerprint(db)
        #expect(try sandbox.fails(["import", "alert_upload", sandbox.path("missing.csv"), "--db", db]).stderr.contains("missing.csv"))
        let json = try sandbox.write("list.json", "[]")
        #expect(try sandbox.fails(["import", "alert_upload", json, "--db", db]).stderr.contains("--format"))
        try sandbox.fails(["import", "nonsense", json, "--db", db])
        #expect(try sandbox.fingerprint(db) == before)
    }

    @Test func badValuesInAddAndEditNameTheField() throws {
        let sandbox = try CLISandbox()
        let db = try sandbox.initReplica("nairobi", office: "KE")
        let id = try sandbox.ok(["add", "alert_upload", "--db", db, "--json", #"{"domain": "a.example", "listed_on": "2026-05-10"}"#])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let before = try sandbox.fingerprint(db)
        #expect(try sandbox.fails(["add", "alert_upload", "--db", db, "--json", #"{"domain": "b.example", "status": "gone"}"#]).stderr.contains("status: "))
        #expect(try sandbox.fails(["add", "alert_upload", "--db", db, "--json", #"{"domain": "b.example", "domain": "c.example"}"#]).stderr.contains("duplicate key"))
        #expect(try sandbox.fails(["add", "alert_upload", "--db", db, "--json", #"{"domain": "b.example"} trailing"#]).stderr.contains("after the document"))
        #expect(try sandbox.fails(["add", "alert_upload", "--db", db, "--json", "[1]"]).stderr.contains("object"))
        #expect(try sandbox.fails(["add", "alert_upload", "--db", db, "--json", #"{"domain": "A.EXAMPLE"}"#]).stderr.contains("already exists"))
        #expect(try sandbox.fails(["edit", id, "--set", "removed_on=2026-05-09", "--db", db]).stderr.contains("removed_on: "))
        #expect(try sandbox.fails(["edit", id, "--set", "listed_on=2026-02-30", "--db", db]).stderr.contains("listed_on: "))
        #expect(try sandbox.fails(["edit", id, "--set", "domain=", "--db", db]).stderr.contains("domain: is required"))
        #expect(try sandbox.fails(["edit", id, "--set", "colour=red", "--db", db]).stderr.contains("no field \"colour\""))
        // The domain is the ALERT entry's identity: it cannot be changed into another site.
        #expect(try sandbox.fails(["edit", id, "--set", "domain=b.example", "--db", db]).stderr.contains("domain: b.example is not the domain of \(id)"))
        #expect(try sandbox.fails(["add", "alert_upload", "--db", db, "--json", #"{"id": "alert-KE-abc", "domain": "b.example"}"#]).stderr.contains("id: "))
        #expect(try sandbox.fails(["edit", id, "--set", "status", "--db", db]).stderr.contains("field=value"))
        #expect(try sandbox.fails(["edit", id, "--add", "status=online", "--db", db]).stderr.contains("not a set field"))
        #expect(try sandbox.fails(["edit", id, "--db", db]).stderr.contains("nothing to change"))
        #expect(try sandbox.fingerprint(db) == before)
        // Another spelling of the same domain is the same site: nothing to change.
        #expect(try sandbox.ok(["edit", id, "--set", "domain=HTTPS://A.Example/", "--db", db]).stdout.contains("nothing changed"))
    }

    @Test func unknownAndMalformedRecordIDsAreNamed() throws {
        let sandbox = try CLISandbox()
        let db = try sandbox.initReplica("nairobi", office: "KE")
        for command in [["show"], ["history"], ["delete"], ["restore"], ["edit", "--set", "status=online"]] {
            let missing = try sandbox.fails([command[0], "alert-KE-abc123"] + command.dropFirst() + ["--db", db])
            #expect(missing.stderr.contains("alert-KE-abc123"), "\(command[0])")
            let malformed = try sandbox.fails([command[0], "not-an-id"] + command.dropFirst() + ["--db", db])
            #expect(malformed.stderr.contains("not-an-id") && malformed.stderr.contains("not a record id"), "\(command[0])")
        }
    }

    /// Every command that works on a replica says how to name one when none is given.
    @Test func aMissingDatabaseGivesAClearError() throws {
        let sandbox = try CLISandbox()
        let file = try sandbox.write("a.csv", "domain\na.example\n")
        let commands: [[String]] = [
            ["list", "activity"], ["show", "alert-KE-abc"], ["add", "activity", "--json", #"{"title": "x"}"#],
            ["edit", "alert-KE-abc", "--set", "status=online"], ["delete", "alert-KE-abc"], ["restore", "alert-KE-abc"],
            ["import", "alert_upload", file], ["history", "alert-KE-abc"], ["log", "--json"], ["rebuild"],
            ["init", "--office", "KE", "--replica", "x"],
        ]
        for command in commands {
            let result = try sandbox.fails(command)
            #expect(result.stderr.contains("--db") && result.stderr.contains("ACCORD_DB"), "\(command[0]): \(result.stderr)")
        }
        // An empty ACCORD_DB counts as unset.
        #expect(try sandbox.fails(["list", "activity"], environment: ["ACCORD_DB": ""]).stderr.contains("--db"))
        // A path that is not a replica says how to create one.
        let wrong = try sandbox.fails(["list", "activity", "--db", sandbox.path("nowhere.accord")])
        #expect(wrong.stderr.contains("nowhere.accord") && wrong.stderr.contains("accord init"))
        #expect(!FileManager.default.fileExists(atPath: sandbox.path("nowhere.accord")))
        let notADatabase = try sandbox.fails(["list", "activity", "--db", file])
        #expect(notADatabase.stderr.contains("not an Accord replica"))
    }

    @Test func initRefusesBadArgumentsAndExistingFiles() throws {
        let sandbox = try CLISandbox()
        let db = try sandbox.initReplica("nairobi", office: "KE")
        let before = try sandbox.fingerprint(db)
        #expect(try sandbox.fails(["init", "--db", db, "--office", "KE", "--replica", "again"]).stderr.contains("already exists"))
        #expect(try sandbox.fingerprint(db) == before)
        let fresh = sandbox.path("fresh.accord")
        #expect(try sandbox.fails(["init", "--db", fresh, "--office", "XX", "--replica", "a"]).stderr.contains("XX"))
        #expect(try sandbox.fails(["init", "--db", fresh, "--office", "KE", "--replica", "a", "--role", "secretariat"]).stderr.contains("WIPO"))
        try sandbox.fails(["init", "--db", fresh, "--office", "WIPO", "--replica", "a"])
        try sandbox.fails(["init", "--db", fresh, "--office", "KE", "--replica", "bad name!"])
        try sandbox.fails(["init", "--db", fresh, "--office", "KE", "--replica", "a", "--role", "king"])
        #expect(!FileManager.default.fileExists(atPath: fresh))
    }

    /// Refusals the hub and every receiver would make are made locally, before writing: an
    /// office editing another office's record, anyone but the contributor touching an ALERT
    /// entry, an auditor writing at all.
    @Test func writesOtherReplicasWouldRefuseAreRefusedUpFront() throws {
        let sandbox = try CLISandbox()
        let kampala = try sandbox.initReplica("kampala", office: "UG")
        let nairobi = try sandbox.initReplica("nairobi", office: "KE")
        let hub = try sandbox.initReplica("hub", office: "WIPO", role: "secretariat")
        let auditor = try sandbox.initReplica("audit", office: "KE", role: "auditor")
        let alert = try sandbox.ok(["add", "alert_upload", "--db", kampala, "--json", #"{"domain": "a.example", "status": "online"}"#])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let activity = try sandbox.ok(["add", "activity", "--db", kampala, "--json", #"{"title": "Kampala workshop"}"#])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // Every other replica receives Kampala's records (what a sync does).
        let source = try ReplicaStore.open(at: kampala)
        for path in [nairobi, hub, auditor] {
            let target = try ReplicaStore.open(at: path)
            let report = try target.merge(try source.missingChanges(for: target.versionVector(), limit: 1_000),
                                          options: MergeOptions(trustedPeers: [source.identity.id]))
            #expect(report.refused.isEmpty && report.applied == 3)
            try target.close()
        }
        try source.close()

        let attempts: [(db: String, arguments: [String], says: String)] = [
            (nairobi, ["edit", alert, "--set", "status=offline"], "belongs to UG"),
            // Even an edit that would change nothing is not the office's to make.
            (nairobi, ["edit", alert, "--set", "status=online"], "belongs to UG"),
            (nairobi, ["delete", alert], "belongs to UG"),
            (nairobi, ["edit", activity, "--set", "notes=x"], "belongs to UG"),
            (hub, ["edit", alert, "--set", "status=offline"], "only the contributing office UG"),
            (hub, ["delete", alert], "only the contributing office UG"),
            (hub, ["edit", alert, "--set", "status=online"], "only the contributing office UG"),
            (auditor, ["edit", activity, "--set", "notes=x"], "auditors only read"),
            (auditor, ["delete", activity], "auditors only read"),
            (auditor, ["add", "alert_upload", "--json", #"{"domain": "b.example"}"#], "auditors only read"),
            (auditor, ["add", "activity", "--json", #"{"title": "x"}"#], "auditors only read"),
        ]
        for attempt in attempts {
            let before = try sandbox.fingerprint(attempt.db)
            let result = try sandbox.fails(attempt.arguments + ["--db", attempt.db])
            #expect(result.stderr.contains("refused") && result.stderr.contains(attempt.says), "\(attempt.arguments): \(result.stderr)")
            #expect(try sandbox.fingerprint(attempt.db) == before)
        }
        // The secretariat may still edit the office's activity.
        try sandbox.ok(["edit", activity, "--set", "notes=checked by the secretariat", "--db", hub])
        // An auditor's import is refused line by line.
        let file = try sandbox.write("audit.csv", "domain\nx.example\ny.example\n")
        let result = try sandbox.fails(["import", "alert_upload", file, "--db", auditor])
        #expect(result.stderrLines.filter { $0.hasPrefix(file + ":") }.map { $0.dropFirst(file.count + 1).prefix(2) } == ["2:", "3:"])
    }
}
