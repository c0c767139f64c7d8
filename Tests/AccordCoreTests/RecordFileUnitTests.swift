import AccordCore
import Testing

/// Import files come from spreadsheets and scripts of every kind; the reader must handle RFC
/// 4180 quoting, Excel's BOM and CRLF, and report every problem with the line a user sees in an
/// editor (a record with an embedded line break spans several lines).
@Suite("RecordFile: CSV and JSON Lines")
struct RecordFileUnitTests {
    private func csv(_ text: String) -> (rows: [RecordFileRow], problems: [RecordFileProblem]) {
        RecordFile.parse(Array(text.utf8), format: .csv)
    }

    private func jsonl(_ text: String) -> (rows: [RecordFileRow], problems: [RecordFileProblem]) {
        RecordFile.parse(Array(text.utf8), format: .jsonl)
    }

    @Test func readsAHeaderAndRowsWithLineNumbers() {
        let (rows, problems) = csv("domain,status\na.com,online\nb.com,offline\n")
        #expect(problems.isEmpty)
        #expect(rows.map(\.line) == [2, 3])
        #expect(rows[0].fields == ["domain": .string("a.com"), "status": .string("online")])
        #expect(rows[1].fields == ["domain": .string("b.com"), "status": .string("offline")])
    }

    @Test func emptyCellsAreNullButQuotedSpacesAreText() {
        let (rows, problems) = csv("domain,notes,status\na.com,,\nb.com,\" \",\"\"\n")
        #expect(problems.isEmpty)
        #expect(rows[0].fields == ["domain": .string("a.com"), "notes": .null, "status": .null])
        #expect(rows[1].fields["notes"] == .string(" "))
        #expect(rows[1].fields["status"] == .null)
    }

    @Test func quotedCellsHoldCommasQuotesAndLineBreaks() {
        let text = "domain,notes\n\"a.com\",\"one, two\"\nb.com,\"say \"\"hi\"\"\"\nc.com,\"line 1\nline 2\nline 3\"\nd.com,after\n"
        let (rows, problems) = csv(text)
        #expect(problems.isEmpty)
        #expect(rows.map { $0.fields["notes"] } == [.string("one, two"), .string("say \"hi\""), .string("line 1\nline 2\nline 3"), .string("after")])
        // The multi-line record starts on line 4; the next record is on line 7.
        #expect(rows.map(\.line) == [2, 3, 4, 7])
    }

    @Test func crlfLineEndingsAreNotPartOfTheCells() {
        let (rows, problems) = csv("domain,status\r\na.com,online\r\nb.com,\"off\r\nline\"\r\nc.com,offline\r\n")
        #expect(problems.isEmpty)
        #expect(rows.map(\.line) == [2, 3, 5])
        #expect(rows[0].fields["status"] == .string("online"))
        #expect(rows[1].fields["status"] == .string("off\r\nline"))
        #expect(rows[2].fields["status"] == .string("offline"))
        #expect(Set(rows[0].fields.keys) == ["domain", "status"])
    }

    /// Excel writes a UTF-8 byte order mark; it must not become part of the first column name.
    @Test func aByteOrderMarkIsSkipped() {
        let (rows, problems) = RecordFile.parse([0xEF, 0xBB, 0xBF] + Array("domain,status\na.com,online\n".utf8), format: .csv)
        #expect(problems.isEmpty)
        #expect(rows.first?.fields["domain"] == .string("a.com"))
        let (lines, jsonProblems) = RecordFile.parse([0xEF, 0xBB, 0xBF] + Array(#"{"domain": "a.com"}"#.utf8), format: .jsonl)
        #expect(jsonProblems.isEmpty)
        #expect(lines.first?.fields["domain"] == .string("a.com"))
    }

    @Test func aLastRowWithoutNewlineAndBlankLinesAreHandled() {
        let (rows, problems) = csv("domain,status\n\na.com,online\n\r\n\nb.com,offline")
        #expect(problems.isEmpty)
        #expect(rows.map(\.line) == [3, 6])
        #expect(rows[1].fields["status"] == .string("offline"))
    }

    /// Spreadsheets export formatted but empty rows as `,,,`: they are blank lines, not records
    /// missing every field.
    @Test func rowsOfEmptyCellsAreSkippedLikeBlankLines() {
        let (rows, problems) = csv("domain,status,notes\r\na.example,online,\r\n,,\r\n,,\r\n,\r\n")
        #expect(problems.isEmpty)
        #expect(rows.map(\.line) == [2])
    }

    @Test func raggedRowsAreReportedWithTheirLineAndBothCounts() {
        let (rows, problems) = csv("domain,status,notes\na.com,online,\nb.com,offline\nc.com,online,x,extra\nd.com,online,ok\n")
        #expect(rows.map(\.line) == [2, 5])
        #expect(problems.map(\.line) == [3, 4])
        #expect(problems[0].message.contains("2 cells"))
        #expect(problems[0].message.contains("3 columns"))
        #expect(problems[1].message.contains("4 cells"))
    }

    @Test func anUnclosedQuoteIsReportedAtTheLineWhereItOpens() {
        let (_, problems) = csv("domain,notes\na.com,fine\nb.com,\"never closed\nc.com,x\n")
        #expect(problems.map(\.line) == [3])
        #expect(problems.first?.message.contains("never closed") == true)
    }

    @Test func headerProblemsAreReportedOnLineOne() {
        #expect(csv("").problems.map(\.line) == [1])
        #expect(csv("domain,status,domain\na.com,online,b.com\n").problems.map(\.line) == [1])
        #expect(csv("domain,status,domain\n").problems.first?.message.contains("\"domain\"") == true)
    }

    @Test func headerNamesAreTrimmed() {
        let (rows, _) = csv(" domain , status\na.com,online\n")
        #expect(Set(rows.first.map { Array($0.fields.keys) } ?? []) == ["domain", "status"])
    }

    @Test func invalidUTF8IsReportedAtItsLine() {
        let bytes = Array("domain,status\na.com,online\n".utf8) + [0x62, 0xFF, 0x2C, 0x6F, 0x0A] + Array("c.com,online\n".utf8)
        let (rows, problems) = RecordFile.parse(bytes, format: .csv)
        #expect(rows.isEmpty)
        #expect(problems.map(\.line) == [3])
        #expect(problems.first?.message.contains("UTF-8") == true)
    }

    @Test func jsonLinesKeepLineNumbersAcrossBlankLinesAndCRLF() {
        let (rows, problems) = jsonl("{\"domain\": \"a.com\"}\r\n\n   \r\n{\"domain\": \"b.com\", \"notes\": null}\n")
        #expect(problems.isEmpty)
        #expect(rows.map(\.line) == [1, 4])
        #expect(rows[1].fields == ["domain": .string("b.com"), "notes": .null])
    }

    @Test func everyBadJSONLineIsReportedNotJustTheFirst() {
        let text = """
            {"domain": "a.com"}
            ["not", "an", "object"]
            {"domain": "b.com", "domain": "c.com"}
            {"domain": "d.com"} trailing
            {"domain": "e.com"
            {"domain": "f.com"}
            """
        let (rows, problems) = jsonl(text)
        #expect(rows.map(\.line) == [1, 6])
        #expect(problems.map(\.line) == [2, 3, 4, 5])
        #expect(problems[0].message.contains("object"))
        #expect(problems[1].message.contains("duplicate key"))
        #expect(problems[2].message.contains("after the document"))
    }

    @Test func problemsPrintAsLineFieldMessage() {
        #expect(RecordFileProblem(line: 7, field: "status", message: "\"down\" is not one of online, offline").description
            == "7: status: \"down\" is not one of online, offline")
        #expect(RecordFileProblem(line: 3, message: "expected a JSON object").description == "3: expected a JSON object")
    }

    @Test func theFormatFollowsTheExtension() {
        #expect(RecordFile.format(forPath: "ke-list.CSV") == .csv)
        #expect(RecordFile.format(forPath: "/tmp/x.jsonl") == .jsonl)
        #expect(RecordFile.format(forPath: "x.ndjson") == .jsonl)
        #expect(RecordFile.format(forPath: "x.json") == nil)
        #expect(RecordFile.format(forPath: "csv") == nil)
    }

    /// CSV cells reach validation as text, so a set cell `a;b` and typed JSON agree.
    @Test func csvAndJSONLinesOfTheSameRecordValidateToTheSameRecord() throws {
        let fromCSV = try #require(csv("title,organizers,participant_count\nSeminar,\"WIPO;KIPO\",25\n").rows.first)
        let fromJSON = try #require(jsonl(#"{"title": "Seminar", "organizers": ["KIPO", "WIPO"], "participant_count": 25}"#).rows.first)
        let office = try #require(OfficeCode("KE"))
        let a = RecordInput.validate(fromCSV.fields, kind: .activity, office: office, assignment: .natural)
        let b = RecordInput.validate(fromJSON.fields, kind: .activity, office: office, assignment: .natural)
        #expect(try a.get() == b.get())
    }
}
