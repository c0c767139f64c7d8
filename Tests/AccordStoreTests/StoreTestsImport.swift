import AccordCore
import AccordStore
import Foundation
import Testing

/// Bulk import is how offices load their lists: every sample must import, a file with any bad
/// row must import nothing and say where every problem is, and importing again must change
/// nothing (no duplicated entries, no new changes).
/// rows, created, updated, unchanged, changes of an import report.
private func counts(_ report: ImportReport) -> [Int] {
    [report.rows, report.created, report.updated, report.unchanged, report.changes]
}

@Suite("Store: import")
struct StoreTestsImport {
    /// Most activities are secretariat-run: the secretariat imports the sample as its own.
    @Test func importsTheActivitySample() throws {
        let folder = try StoreTestFolder()
        let hub = try folder.replica("hub", office: "WIPO", role: .secretariat)
        let report = try hub.importRecords(.activity, bytes: StoreTestSamples.bytes("activity.sample.jsonl"), format: .jsonl)
        #expect(report.rows == 20)
        #expect(report.created == 20)
        let records = try hub.list(.activity)
        #expect(records.count == 20)
        #expect(records.allSatisfy { $0["owner"] == .string("WIPO") && $0["id"]?.serialized.hasPrefix("\"act-WIPO-") == true })
        // Text arrives as published (Chinese titles), untouched.
        let first = try JSONValue.parse(try StoreTestSamples.lines("activity.sample.jsonl")[0])
        let stored = try #require(records.first { $0["title_en"] == first["title_en"] })
        #expect(stored["title"] == first["title"])
        #expect(stored["city"] == .string("阿尔及尔"))
        #expect(stored["participating_countries"] == .array(["DZ", "KM", "LB", "LY", "MA", "MR", "OM", "PS", "SY", "TN"].map { .string($0) }))
        let judiciary = try #require(records.first { $0["start_date"] == .string("2019-05-02") && $0["city"] == .string("金斯顿") })
        #expect(judiciary["participant_count"] == .int(50))
        #expect(judiciary["audience"] == .array([.string("judges")]))
        #expect(judiciary["start_date"] == .string("2019-05-02") && judiciary["end_date"] == .string("2019-05-03"))
    }

    @Test func importsTheTrainingVariantSample() throws {
        let folder = try StoreTestFolder()
        let hub = try folder.replica("hub", office: "WIPO", role: .secretariat)
        let report = try hub.importRecords(.trainingVariant, bytes: StoreTestSamples.bytes("training_variant.sample.jsonl"), format: .jsonl)
        #expect(report.created == 12)
        let records = try hub.list(.trainingVariant)
        #expect(records.count == 12)
        #expect(records.contains { $0["language"] == .string("ar") && $0["year"] == .int(2020) && $0["format"] == .string("video") })
    }

    /// Each contributing office imports its part of the shared ALERT samples into its replica.
    @Test(arguments: ["alert_upload.sample.csv", "alert_upload.sample.jsonl"])
    func importsEveryContributorsPartOfTheALERTSample(file: String) throws {
        let folder = try StoreTestFolder()
        let parts = try StoreTestSamples.alertFilesByContributor(file)
        var total = 0
        for (contributor, bytes) in parts.sorted(by: { $0.key < $1.key }) {
            let office = try folder.replica("office-\(contributor)", office: contributor)
            let report = try office.importRecords(.alertUpload, bytes: bytes, format: RecordFile.format(forPath: file)!)
            let records = try office.list(.alertUpload)
            #expect(report.created == records.count, "\(contributor)")
            #expect(records.allSatisfy { $0["contributor"] == .string(contributor) && $0["owner"] == .string(contributor) })
            // The id is the contributor plus the normalised domain.
            for record in records {
                guard case .string(let domain)? = record["domain"], case .string(let id)? = record["id"] else { continue }
                #expect(id == RecordID.alert(contributor: OfficeCode(contributor)!, normalizedDomain: domain).rawValue)
            }
            total += records.count
        }
        let expected = file.hasSuffix(".csv") ? 420 : 150
        #expect(total == expected)
    }

    /// An office cannot import another office's ALERT entries: the whole file is refused, and
    /// every foreign line is listed.
    @Test func aFileWithOtherContributorsLinesImportsNothingAndListsEachLine() throws {
        let folder = try StoreTestFolder()
        let italy = try folder.replica("rome", office: "IT")
        let lines = try StoreTestSamples.lines("alert_upload.sample.csv")
        let foreignLines = lines.enumerated().dropFirst().filter { !$0.element.isEmpty && !$0.element.hasPrefix("IT,") }.map { $0.offset + 1 }
        #expect(foreignLines.count == 420 - 108)
        let before = try italy.fingerprint()
        let failure = try #require(throws: ImportFailure.self) {
            try italy.importRecords(.alertUpload, bytes: StoreTestSamples.bytes("alert_upload.sample.csv"), format: .csv)
        }
        #expect(failure.problems.map(\.line) == foreignLines)
        // FILE:LINE: field: what — the contributor column is what is wrong.
        #expect(failure.problems.allSatisfy { $0.field == "contributor" && $0.message.contains("office IT cannot write") })
        #expect(try italy.fingerprint() == before)
    }

    @Test func anOfficeImportingAnotherOwnersActivitiesIsToldTheOwnerColumn() throws {
        let folder = try StoreTestFolder()
        let kenya = try folder.replica("nairobi", office: "KE")
        let jsonl = """
            {"title": "Ours", "owner": "KE"}
            {"title": "The secretariat's", "owner": "WIPO"}
            {"title": "Also ours"}
            """
        let failure = try #require(throws: ImportFailure.self) { try kenya.importRecords(.activity, bytes: Array(jsonl.utf8), format: .jsonl) }
        #expect(failure.problems.map(\.line) == [2])
        #expect(failure.problems.map(\.field) == ["owner"])
        #expect(failure.problems.first?.message.hasPrefix("office KE cannot write act-WIPO-") == true)
        #expect(failure.problems.first?.message.hasSuffix("it belongs to WIPO") == true)
        #expect(try kenya.changeCount() == 0)
        // The secretariat may import the same file: it writes activities of any owner (a row
        // without an owner is the importing office's).
        let hub = try folder.replica("hub", office: "WIPO", role: .secretariat)
        #expect(try hub.importRecords(.activity, bytes: Array(jsonl.utf8), format: .jsonl).created == 3)
        #expect(try hub.list(.activity).compactMap { $0["owner"]?.serialized }.sorted() == [#""KE""#, #""WIPO""#, #""WIPO""#])
    }

    @Test func oneBadRowImportsNothingAndNamesItsLineAndField() throws {
        let folder = try StoreTestFolder()
        let korea = try folder.replica("seoul", office: "KR")
        var lines = try StoreTestSamples.lines("alert_upload.sample.csv").filter { $0.hasPrefix("KR,") || $0.hasPrefix("contributor,") }
        #expect(lines.count == 114)
        lines[57] = lines[57].replacingOccurrences(of: ",website,", with: ",webpage,")
        let bytes = Array(lines.joined(separator: "\n").utf8)
        let before = try korea.fingerprint()
        let failure = try #require(throws: ImportFailure.self) { try korea.importRecords(.alertUpload, bytes: bytes, format: .csv) }
        #expect(failure.problems == [RecordFileProblem(line: 58, field: "kind", message: "\"webpage\" is not one of website, app")])
        #expect(failure.description == "58: kind: \"webpage\" is not one of website, app")
        #expect(try korea.fingerprint() == before)
        #expect(try korea.list(.alertUpload).isEmpty)
    }

    @Test func everyBadRowIsListedInLineOrder() throws {
        let folder = try StoreTestFolder()
        let kenya = try folder.replica("nairobi", office: "KE")
        let csv = """
            contributor,domain,kind,category,status,listed_on,removed_on
            KE,good-one.example,website,streaming,online,2026-01-01,
            KE,bad domain.example,website,streaming,online,2026-01-01,
            KE,good-two.example,website,streaming,online,2026-01-01,
            KE,late.example,website,streaming,offline,2026-03-01,2026-02-01
            KE,"multi
            line.example",website,streaming,online,2026-01-01,
            KE,wrong.example,website,sports,down,2026-02-30,
            XX,nowhere.example,website,streaming,online,2026-01-01,
            KE,ragged.example,website
            """
        let before = try kenya.fingerprint()
        let failure = try #require(throws: ImportFailure.self) { try kenya.importRecords(.alertUpload, bytes: Array(csv.utf8), format: .csv) }
        let located = failure.problems.map { "\($0.line):\($0.field ?? "-")" }
        #expect(located == ["3:domain", "5:removed_on", "6:domain", "8:category", "8:listed_on", "8:status", "9:contributor", "10:-"])
        #expect(try kenya.fingerprint() == before)
    }

    @Test func reimportingTheSameFileChangesNothing() throws {
        let folder = try StoreTestFolder()
        let korea = try folder.replica("seoul", office: "KR")
        let bytes = try #require(try StoreTestSamples.alertFilesByContributor("alert_upload.sample.csv")["KR"])
        let first = try korea.importRecords(.alertUpload, bytes: bytes, format: .csv)
        #expect(first.created == 113)
        #expect(first.changes > 0)
        let after = try korea.fingerprint()
        let again = try korea.importRecords(.alertUpload, bytes: bytes, format: .csv)
        #expect(counts(again) == [113, 0, 0, 113, 0])
        #expect(try korea.fingerprint() == after)
    }

    /// The same list in the other format, with domains in their other spelling, is the same
    /// records: nothing new is written.
    @Test func theSameRecordsInTheOtherFormatChangeNothing() throws {
        let folder = try StoreTestFolder()
        let kenya = try folder.replica("nairobi", office: "KE")
        let manga = try #require(DomainName.asciiForm("漫画.example"))
        #expect(manga.hasPrefix("xn--"))
        let csv = "contributor,domain,category,status,listed_on,notes\nKE,漫画.example,manga,online,2026-10-02,\"a, b\"\nKE,fußball.example,live_sports,offline,2026-09-14,\n"
        let jsonl = """
            {"contributor": "KE", "domain": "\(manga)", "category": "manga", "status": "online", "listed_on": "2026-10-02", "notes": "a, b"}
            {"domain": "https://xn--fuball-cta.example/live", "category": "LIVE_SPORTS", "status": "offline", "listed_on": "2026-09-14", "notes": null}
            """
        let created = try kenya.importRecords(.alertUpload, bytes: Array(csv.utf8), format: .csv)
        #expect(created.created == 2)
        let after = try kenya.fingerprint()
        let report = try kenya.importRecords(.alertUpload, bytes: Array(jsonl.utf8), format: .jsonl)
        #expect(counts(report) == [2, 0, 0, 2, 0])
        #expect(try kenya.fingerprint() == after)
    }

    /// Two spellings of one site in one file are one record listed twice: refused, naming
    /// the earlier line.
    @Test func twoSpellingsOfOneSiteInOneFileAreRefused() throws {
        let folder = try StoreTestFolder()
        let kenya = try folder.replica("nairobi", office: "KE")
        let csv = "domain,status\nmünchen.example,online\nother.example,online\nxn--mnchen-3ya.example,offline\n"
        let failure = try #require(throws: ImportFailure.self) { try kenya.importRecords(.alertUpload, bytes: Array(csv.utf8), format: .csv) }
        #expect(failure.problems.map(\.line) == [4])
        #expect(failure.problems.first?.message.contains("line 2") == true)
        #expect(try kenya.changeCount() == 0)
    }

    /// An `id` column that names another site than the row's domain would create a second
    /// entry for one site: refused, naming the line.
    @Test func anIDThatIsNotTheDomainsIsRefused() throws {
        let folder = try StoreTestFolder()
        let kenya = try folder.replica("nairobi", office: "KE")
        let right = RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: "a.example")
        let csv = "id,domain,status\n\(right),A.example,online\nalert-KE-abc,b.example,online\n"
        let failure = try #require(throws: ImportFailure.self) { try kenya.importRecords(.alertUpload, bytes: Array(csv.utf8), format: .csv) }
        #expect(failure.problems.map { "\($0.line):\($0.field ?? "-")" } == ["3:id"])
        #expect(try kenya.changeCount() == 0)
    }

    /// A date given in a file is checked against the stored record's other date; the error
    /// rolls back the rows already written in the same import.
    @Test func aDateBeforeTheStoredDateImportsNothing() throws {
        let folder = try StoreTestFolder()
        let kenya = try folder.replica("nairobi", office: "KE")
        _ = try kenya.importRecords(.alertUpload, bytes: Array("domain,listed_on\na.example,2026-05-10\nb.example,2026-05-10\n".utf8), format: .csv)
        let before = try kenya.fingerprint()
        let file = "domain,status,removed_on\nb.example,offline,\na.example,,2026-05-09\n"
        let failure = try #require(throws: ImportFailure.self) {
            try kenya.importRecords(.alertUpload, bytes: Array(file.utf8), format: .csv)
        }
        #expect(failure.problems.map(\.field) == ["removed_on"])
        #expect(failure.problems.map(\.line) == [3])
        #expect(try kenya.fingerprint() == before)
    }

    /// A later import only writes the fields that differ from what is stored.
    @Test func aChangedRowWritesOnlyTheChangedFields() throws {
        let folder = try StoreTestFolder()
        let kenya = try folder.replica("nairobi", office: "KE")
        _ = try kenya.importRecords(.alertUpload, bytes: Array("domain,status,category\na.example,online,iptv\nb.example,online,iptv\n".utf8), format: .csv)
        let report = try kenya.importRecords(.alertUpload, bytes: Array("domain,status,category\na.example,offline,iptv\nb.example,online,iptv\n".utf8), format: .csv)
        #expect(counts(report) == [2, 0, 1, 1, 1])
        let id = RecordID.alert(contributor: OfficeCode("KE")!, normalizedDomain: "a.example")
        #expect(try kenya.record(id)?.value(of: "status") == .string("offline"))
    }

    @Test func anAuditorImportsNothing() throws {
        let folder = try StoreTestFolder()
        let auditor = try folder.replica("audit", office: "KE", role: .auditor)
        let failure = try #require(throws: ImportFailure.self) {
            try auditor.importRecords(.alertUpload, bytes: Array("domain\na.example\nb.example\n".utf8), format: .csv)
        }
        #expect(failure.problems.map(\.line) == [2, 3])
        #expect(failure.problems.allSatisfy { $0.message.contains("auditor") && $0.field == nil })
        #expect(try auditor.changeCount() == 0)
    }

    @Test func progressIsReportedForLongImports() throws {
        let folder = try StoreTestFolder()
        let kenya = try folder.replica("nairobi", office: "KE")
        let csv = "domain\n" + (0..<2_500).map { "site-\($0).example" }.joined(separator: "\n")
        let seen = StoreTestClock(0)
        let report = try kenya.importRecords(.alertUpload, bytes: Array(csv.utf8), format: .csv) { done, total in
            #expect(total == 2_500)
            seen.now = UInt64(done)
        }
        #expect(report.created == 2_500)
        #expect(seen.now == 2_000)
    }
}
