import AccordCore
import Testing

/// One bad value for one field of one kind, written as JSON text: the record is otherwise
/// valid, so the only problem reported must name exactly that field.
struct BadFieldInput: Sendable, CustomTestStringConvertible {
    let kind: RecordKind
    let field: String
    let json: String
    let rule: String

    init(_ kind: RecordKind, _ field: String, _ json: String, _ rule: String) {
        self.kind = kind
        self.field = field
        self.json = json
        self.rule = rule
    }

    var testDescription: String { "\(kind.rawValue).\(field) = \(json) (\(rule))" }
}

/// Every field of every kind, each with inputs its rule must refuse (BRIEF "The records").
let badFieldInputs: [BadFieldInput] = [
    // activity
    .init(.activity, "title", "null", "required"),
    .init(.activity, "title", #""""#, "required"),
    .init(.activity, "title", #""  \t ""#, "required (blank after trimming)"),
    .init(.activity, "title", "true", "wrong JSON type"),
    .init(.activity, "title", #"["a"]"#, "wrong JSON type"),
    .init(.activity, "title", #"{"en": "x"}"#, "wrong JSON type"),
    .init(.activity, "title_en", "false", "wrong JSON type"),
    .init(.activity, "kind", #""lecture""#, "enum"),
    .init(.activity, "kind", #""work shop""#, "enum"),
    .init(.activity, "kind", "3", "enum"),
    .init(.activity, "mode", #""in person""#, "enum"),
    .init(.activity, "mode", #""remote""#, "enum"),
    .init(.activity, "city", "{}", "wrong JSON type"),
    .init(.activity, "host_country", #""XX""#, "ISO 3166-1 alpha-2 (unassigned)"),
    .init(.activity, "host_country", #""UK""#, "ISO 3166-1 alpha-2 (GB is the code)"),
    .init(.activity, "host_country", #""KEN""#, "ISO 3166-1 alpha-2, not alpha-3"),
    .init(.activity, "host_country", #""Kenya""#, "ISO 3166-1 alpha-2, not a name"),
    .init(.activity, "host_country", "404", "ISO 3166-1 alpha-2, not numeric"),
    .init(.activity, "start_date", #""2019-02-29""#, "date that does not exist"),
    .init(.activity, "start_date", #""2019/04/02""#, "date form"),
    .init(.activity, "start_date", #""2019-4-2""#, "date form"),
    .init(.activity, "start_date", "20190402", "date form"),
    .init(.activity, "end_date", #""2019-13-01""#, "date that does not exist"),
    .init(.activity, "end_date", #""tomorrow""#, "date form"),
    .init(.activity, "organizers", "5", "set: wrong JSON type"),
    .init(.activity, "organizers", "true", "set: wrong JSON type"),
    .init(.activity, "organizers", "{}", "set: wrong JSON type"),
    .init(.activity, "organizers", #"[1]"#, "set items must be text"),
    .init(.activity, "participant_count", "-1", "integer ≥ 0"),
    .init(.activity, "participant_count", #""-3""#, "integer ≥ 0"),
    .init(.activity, "participant_count", "2.5", "whole number"),
    .init(.activity, "participant_count", #""2.5""#, "whole number"),
    .init(.activity, "participant_count", #""many""#, "whole number"),
    .init(.activity, "participant_count", "true", "wrong JSON type"),
    .init(.activity, "participating_countries", #"["KE", "XX"]"#, "set of ISO codes"),
    .init(.activity, "participating_countries", #""KE;ZZ""#, "set of ISO codes (CSV form)"),
    .init(.activity, "participating_countries", #"[null]"#, "set items must be text"),
    .init(.activity, "audience", #"["judges!"]"#, "tag characters"),
    .init(.activity, "audience", #""customs;police/army""#, "tag characters (CSV form)"),
    .init(.activity, "wipo_role", #""sponsor""#, "enum"),
    .init(.activity, "notes", "true", "wrong JSON type"),
    // training_variant
    .init(.trainingVariant, "material", "null", "required"),
    .init(.trainingVariant, "material", #""""#, "required"),
    .init(.trainingVariant, "material", "[]", "wrong JSON type"),
    .init(.trainingVariant, "material_title", "true", "wrong JSON type"),
    .init(.trainingVariant, "variant_kind", #""dialect""#, "enum"),
    .init(.trainingVariant, "language", #""english""#, "BCP 47"),
    .init(.trainingVariant, "language", #""e""#, "BCP 47"),
    .init(.trainingVariant, "language", #""en_US""#, "BCP 47"),
    .init(.trainingVariant, "language", #""fr-""#, "BCP 47"),
    .init(.trainingVariant, "language", #""123""#, "BCP 47"),
    .init(.trainingVariant, "language", #""zh-Hantabcde""#, "BCP 47 (subtag longer than 8)"),
    .init(.trainingVariant, "jurisdiction", #""XX""#, "ISO code or region name"),
    .init(.trainingVariant, "jurisdiction", #""zz""#, "ISO code or region name"),
    .init(.trainingVariant, "jurisdiction", "false", "wrong JSON type"),
    .init(.trainingVariant, "year", "1899", "year range"),
    .init(.trainingVariant, "year", "3000", "year range"),
    .init(.trainingVariant, "year", "-2020", "year range"),
    .init(.trainingVariant, "year", #""20x0""#, "whole number"),
    .init(.trainingVariant, "year", #""MMXX""#, "whole number"),
    .init(.trainingVariant, "year", "2020.5", "whole number"),
    .init(.trainingVariant, "format", #""vhs""#, "enum"),
    .init(.trainingVariant, "partners", "3", "set: wrong JSON type"),
    .init(.trainingVariant, "status", #""final""#, "enum"),
    .init(.trainingVariant, "notes", "[]", "wrong JSON type"),
    // alert_upload
    .init(.alertUpload, "contributor", #""XX""#, "ISO 3166-1 alpha-2"),
    .init(.alertUpload, "contributor", #""Kenya""#, "ISO 3166-1 alpha-2"),
    .init(.alertUpload, "contributor", "1", "wrong JSON type"),
    .init(.alertUpload, "domain", "null", "required"),
    .init(.alertUpload, "domain", #""""#, "required"),
    .init(.alertUpload, "domain", #""http://""#, "empty domain"),
    .init(.alertUpload, "domain", #""exa mple.com""#, "domain characters"),
    .init(.alertUpload, "domain", #""a..b.com""#, "empty label"),
    .init(.alertUpload, "domain", #""-bad.com""#, "leading hyphen"),
    .init(.alertUpload, "domain", "\"" + String(repeating: "a", count: 64) + ".com\"", "label length"),
    .init(.alertUpload, "domain", "true", "wrong JSON type"),
    .init(.alertUpload, "kind", #""web""#, "enum"),
    .init(.alertUpload, "category", #""sports""#, "enum"),
    .init(.alertUpload, "status", #""down""#, "enum"),
    .init(.alertUpload, "listed_on", #""2019-02-30""#, "date that does not exist"),
    .init(.alertUpload, "removed_on", #""31/12/2019""#, "date form"),
    .init(.alertUpload, "legal_basis", "{}", "wrong JSON type"),
    .init(.alertUpload, "redirects_to", #""bad domain!""#, "domain characters"),
    .init(.alertUpload, "notes", "true", "wrong JSON type"),
    // replica (the registry)
    .init(.replica, "office", "null", "required"),
    .init(.replica, "office", #""XX""#, "office code (unassigned)"),
    .init(.replica, "office", #""OMPI""#, "office code (only WIPO besides ISO codes)"),
    .init(.replica, "role", #""admin""#, "enum"),
    .init(.replica, "name", "[]", "wrong JSON type"),
    .init(.replica, "public_key", "null", "required"),
    .init(.replica, "public_key", #""abcd""#, "32 bytes of hex (too short)"),
    .init(.replica, "public_key", "\"" + String(repeating: "g", count: 64) + "\"", "32 bytes of hex (not hex)"),
    .init(.replica, "certificate_fingerprint", "\"" + String(repeating: "0", count: 63) + "\"", "32 bytes of hex (odd length)"),
    .init(.replica, "first_seen", #""2026-13-01""#, "date that does not exist"),
]

/// Parses a JSON object literal written in a test; a typo in a test is a test failure.
private func fields(_ json: String) -> [String: JSONValue] {
    guard case .object(let members)? = try? JSONValue.parse(json) else {
        Issue.record("test input is not a JSON object: \(json)")
        return [:]
    }
    return members
}

private func minimalRecord(_ kind: RecordKind) -> [String: JSONValue] {
    switch kind {
    case .activity: fields(#"{"title": "Regional seminar"}"#)
    case .trainingVariant: fields(#"{"material": "pororo-cartoons"}"#)
    case .alertUpload: fields(#"{"domain": "example.com"}"#)
    case .replica: fields(#"{"office": "KE", "role": "office", "public_key": "\#(String(repeating: "ab", count: 32))"}"#)
    }
}

private func validate(_ kind: RecordKind, _ json: String, office: String = "KE",
                      assignment: IDAssignment = .natural) -> Result<ValidatedRecord, FieldProblems> {
    RecordInput.validate(fields(json), kind: kind, office: OfficeCode(office)!, assignment: assignment)
}

/// The fields named by the problems of a refused record; nil if it was accepted.
private func refusedFields(_ kind: RecordKind, _ json: String, office: String = "KE") -> [String]? {
    if case .failure(let failure) = validate(kind, json, office: office) { return failure.problems.map(\.field) }
    return nil
}

private func accepted(_ kind: RecordKind, _ json: String, office: String = "KE",
                      assignment: IDAssignment = .natural) throws -> ValidatedRecord {
    switch validate(kind, json, office: office, assignment: assignment) {
    case .success(let record): return record
    case .failure(let failure):
        Issue.record("refused \(json): \(failure.problems)")
        throw failure
    }
}

/// Bad input for every field rule of every kind: refused, with the field named. Returning every
/// problem of a row at once lets a user fix a file in one pass.
@Suite("RecordInput validation")
struct RecordInputUnitTests {
    @Test(arguments: badFieldInputs)
    func refusesABadValueAndNamesTheField(_ bad: BadFieldInput) throws {
        var record = minimalRecord(bad.kind)
        record[bad.field] = try JSONValue.parse(bad.json)
        switch RecordInput.validate(record, kind: bad.kind, office: OfficeCode("KE")!, assignment: .natural) {
        case .success(let valid):
            Issue.record("accepted \(bad.testDescription) as \(valid.fields)")
        case .failure(let failure):
            #expect(failure.problems.map(\.field) == [bad.field], "\(failure.problems)")
            #expect(failure.problems.allSatisfy { !$0.message.isEmpty })
        }
    }

    /// The table above must keep up with the schemas: a field added without a bad-input case
    /// fails here.
    @Test func everyFieldOfEveryKindHasABadInputCase() {
        for kind in RecordKind.allCases {
            let covered = Set(badFieldInputs.filter { $0.kind == kind }.map(\.field))
            for spec in RecordSchema.of(kind).fields {
                #expect(covered.contains(spec.name), "\(kind.rawValue).\(spec.name) has no bad-input test")
            }
        }
    }

    @Test(arguments: RecordKind.allCases)
    func aMinimalRecordIsValid(kind: RecordKind) {
        if case .failure(let failure) = RecordInput.validate(minimalRecord(kind), kind: kind, office: OfficeCode("KE")!, assignment: .natural) {
            Issue.record("\(failure.problems)")
        }
    }

    @Test(arguments: RecordKind.allCases)
    func aMissingRequiredFieldIsNamed(kind: RecordKind) throws {
        let required = try #require(RecordSchema.of(kind).fields.first { $0.required }).name
        var input = minimalRecord(kind)
        input[required] = nil
        let result = RecordInput.validate(input, kind: kind, office: OfficeCode("KE")!, assignment: .natural)
        guard case .failure(let failure) = result else { Issue.record("accepted a record without \(required)"); return }
        #expect(failure.problems == [FieldProblem(field: required, message: "is required")])
    }

    /// An update names its record by id, so the natural-key fields may be left out.
    @Test func requiredFieldsMayBeOmittedWhenTheIDIsGiven() throws {
        let record = try accepted(.activity, #"{"id": "act-KE-abc123", "notes": "late report"}"#)
        #expect(record.fields.keys.sorted() == ["notes"])
        #expect(record.id.rawValue == "act-KE-abc123")
    }

    @Test func unknownFieldsAreNamed() throws {
        #expect(refusedFields(.activity, #"{"title": "x", "titel": "y"}"#) == ["titel"])
        #expect(refusedFields(.alertUpload, #"{"domain": "example.com", "url": "https://example.com"}"#) == ["url"])
        // `contributor` belongs to ALERT entries only.
        #expect(refusedFields(.activity, #"{"title": "x", "contributor": "KE"}"#) == ["contributor"])
        #expect(refusedFields(.trainingVariant, #"{"material": "x", "contributor": "KE"}"#) == ["contributor"])
        // The hidden deletion flag cannot be written as a field.
        #expect(refusedFields(.activity, #"{"title": "x", "_deleted": true}"#) == ["_deleted"])
        guard case .failure(let failure) = validate(.activity, #"{"title": "x", "titel": "y"}"#) else { return }
        #expect(failure.problems[0].message.contains("unknown field"))
    }

    @Test func endDateBeforeStartDateNamesEndDate() throws {
        guard case .failure(let failure) = validate(.activity, #"{"title": "x", "start_date": "2019-04-03", "end_date": "2019-04-02"}"#) else {
            Issue.record("accepted an end before the start"); return
        }
        #expect(failure.problems.map(\.field) == ["end_date"])
        #expect(failure.problems[0].message.contains("2019-04-02"))
        _ = try accepted(.activity, #"{"title": "x", "start_date": "2019-04-03", "end_date": "2019-04-03"}"#)
        _ = try accepted(.activity, #"{"title": "x", "start_date": "2019-12-31", "end_date": "2020-01-01"}"#)
        _ = try accepted(.activity, #"{"title": "x", "end_date": "2020-01-01"}"#)
    }

    @Test func removedOnBeforeListedOnNamesRemovedOn() throws {
        #expect(refusedFields(.alertUpload, #"{"domain": "example.com", "listed_on": "2020-05-10", "removed_on": "2020-05-09"}"#) == ["removed_on"])
        #expect(refusedFields(.alertUpload, #"{"domain": "example.com", "listed_on": "2021-01-01", "removed_on": "2020-12-31"}"#) == ["removed_on"])
        _ = try accepted(.alertUpload, #"{"domain": "example.com", "listed_on": "2020-05-10", "removed_on": "2020-05-10"}"#)
        _ = try accepted(.alertUpload, #"{"domain": "example.com", "listed_on": "2020-05-10", "removed_on": null}"#)
        _ = try accepted(.alertUpload, #"{"domain": "example.com", "listed_on": "2020-05-10", "removed_on": ""}"#)
    }

    /// A date given in an edit is checked against the other date already stored.
    @Test func dateOrderIsCheckedAgainstTheStoredRecord() throws {
        let id = try #require(RecordID("act-KE-abc123"))
        let author = try #require(ReplicaID("00000000000000aa"))
        var stored = RecordState(id: id)
        stored.apply(stamp: Stamp(hlc: HLC(millis: 1), author: author, seq: 1), field: "start_date", element: nil, value: .string("2019-04-03"))
        let early: [String: NormalizedField] = ["end_date": .scalar(.string("2019-04-02"))]
        #expect(RecordInput.checkDateOrder(schema: .activity, fields: early, existing: stored).map(\.field) == ["end_date"])
        #expect(RecordInput.checkDateOrder(schema: .activity, fields: ["end_date": .scalar(.string("2019-04-05"))], existing: stored).isEmpty)
        stored.apply(stamp: Stamp(hlc: HLC(millis: 2), author: author, seq: 2), field: "end_date", element: nil, value: .string("2019-04-05"))
        // Moving the start past the stored end breaks the rule too; it names the later field.
        #expect(RecordInput.checkDateOrder(schema: .activity, fields: ["start_date": .scalar(.string("2019-04-06"))], existing: stored).map(\.field) == ["end_date"])
        // Input that touches neither date is never blamed for stored data.
        #expect(RecordInput.checkDateOrder(schema: .activity, fields: ["notes": .scalar(.string("n"))], existing: stored).isEmpty)
    }

    @Test func everyProblemOfARowIsReportedSortedByField() {
        let json = #"{"domain": "exa mple.com", "status": "down", "category": "sports", "listed_on": "yesterday", "extra": "x"}"#
        #expect(refusedFields(.alertUpload, json) == ["category", "domain", "extra", "listed_on", "status"])
    }

    @Test func ownerMustBeAnOfficeCode() throws {
        #expect(refusedFields(.activity, #"{"title": "x", "owner": "XX"}"#) == ["owner"])
        #expect(refusedFields(.activity, #"{"title": "x", "owner": 7}"#) == ["owner"])
        #expect(try accepted(.activity, #"{"title": "x", "owner": "WIPO"}"#).id.owner == .secretariat)
        #expect(try accepted(.activity, #"{"title": "x", "owner": "ke"}"#).id.owner == OfficeCode("KE"))
        #expect(try accepted(.activity, #"{"title": "x"}"#, office: "UG").id.owner == OfficeCode("UG"))
    }

    @Test func theContributorOwnsTheALERTEntry() throws {
        let record = try accepted(.alertUpload, #"{"contributor": "IT", "domain": "example.com"}"#, office: "KE")
        #expect(record.id.owner == OfficeCode("IT"))
        #expect(record.id == RecordID.alert(contributor: try #require(OfficeCode("IT")), normalizedDomain: "example.com"))
        #expect(try accepted(.alertUpload, #"{"contributor": "it", "domain": "example.com"}"#).id == record.id)
    }

    /// The secretariat never contributes to a national ALERT list, and `contributor` is an ISO
    /// alpha-2 code (schemas/alert_upload.schema.json: pattern ^[A-Z]{2}$).
    @Test func theSecretariatIsNotAnALERTContributor() {
        #expect(refusedFields(.alertUpload, #"{"contributor": "WIPO", "domain": "example.com"}"#, office: "WIPO") == ["contributor"])
    }

    /// `owner` and `contributor` mean the same for ALERT entries; two different values make the
    /// row ambiguous, so it is refused rather than silently taking one of them.
    @Test func conflictingOwnerAndContributorAreRefused() throws {
        let problems = refusedFields(.alertUpload, #"{"owner": "KE", "contributor": "IT", "domain": "example.com"}"#)
        #expect(problems?.isEmpty == false)
        #expect(problems?.allSatisfy { ["owner", "contributor"].contains($0) } == true)
        #expect(try accepted(.alertUpload, #"{"owner": "IT", "contributor": "IT", "domain": "example.com"}"#).id.owner == OfficeCode("IT"))
    }

    @Test func givenIDsMustMatchKindAndOwner() throws {
        #expect(refusedFields(.activity, #"{"id": "alert-KE-abc", "title": "x"}"#) == ["id"])
        #expect(refusedFields(.activity, #"{"id": "act-IT-abc", "title": "x"}"#) == ["id"])
        #expect(refusedFields(.activity, #"{"id": "not an id", "title": "x"}"#) == ["id"])
        #expect(refusedFields(.activity, #"{"id": 5, "title": "x"}"#) == ["id"])
        #expect(try accepted(.activity, #"{"id": "act-KE-abc", "title": "x"}"#).id.rawValue == "act-KE-abc")
    }

    /// An ALERT entry's id is its contributor and domain: a given id must be that one, or the
    /// list would hold two entries for one site.
    @Test func aGivenALERTIDMustBeTheIDOfItsDomain() throws {
        #expect(refusedFields(.alertUpload, #"{"id": "alert-KE-abc", "domain": "c.example"}"#) == ["id"])
        let derived = RecordID.alert(contributor: try #require(OfficeCode("KE")), normalizedDomain: "c.example")
        #expect(try accepted(.alertUpload, #"{"id": "\#(derived)", "domain": "https://C.example/"}"#).id == derived)
        // An update by id alone does not restate the domain.
        #expect(try accepted(.alertUpload, #"{"id": "alert-KE-abc", "status": "offline"}"#).id.rawValue == "alert-KE-abc")
        let other = try #require(RecordID("alert-KE-abc"))
        let problem = try #require(RecordInput.identityProblem(id: other, fields: ["domain": .scalar(.string("c.example"))]))
        #expect(problem.field == "domain")
        #expect(problem.message.contains(derived.rawValue))
    }

    /// Re-importing a file must find the same records, so ids come from the natural key.
    @Test func naturalIDsComeFromTheNaturalKey() throws {
        let a = try accepted(.activity, #"{"title": "Workshop", "start_date": "2019-05-01", "city": "Kingston", "notes": "a"}"#)
        let b = try accepted(.activity, #"{"title": " Workshop ", "start_date": "2019-05-01", "city": "Kingston", "notes": "b"}"#)
        let c = try accepted(.activity, #"{"title": "Workshop", "start_date": "2019-05-02", "city": "Kingston"}"#)
        #expect(a.id == b.id)
        #expect(a.id != c.id)
        let tv1 = try accepted(.trainingVariant, #"{"material": "m", "language": "fr", "year": 2020}"#)
        let tv2 = try accepted(.trainingVariant, #"{"material": "m", "language": "fr", "year": "2020"}"#)
        let tv3 = try accepted(.trainingVariant, #"{"material": "m", "language": "es", "year": 2020}"#)
        let tv4 = try accepted(.trainingVariant, #"{"material": "m", "language": "FR", "year": 2020}"#)
        #expect(tv1.id == tv2.id)
        #expect(tv1.id == tv4.id)
        #expect(tv1.id != tv3.id)
    }

    @Test func randomAssignmentGivesFreshIDsExceptForALERTEntries() throws {
        let a = try accepted(.activity, #"{"title": "Workshop"}"#, assignment: .random)
        let b = try accepted(.activity, #"{"title": "Workshop"}"#, assignment: .random)
        #expect(a.id != b.id)
        let alert1 = try accepted(.alertUpload, #"{"domain": "xn--mnchen-3ya.de"}"#, assignment: .random)
        let alert2 = try accepted(.alertUpload, #"{"domain": "MÜNCHEN.de"}"#, assignment: .natural)
        #expect(alert1.id == alert2.id)
    }

    /// Only what differs is written, so the same input twice writes nothing the second time.
    @Test func writesOnlyWhatDiffersFromTheStoredRecord() throws {
        let record = try accepted(.activity, #"{"id": "act-KE-abc", "title": "T", "audience": ["judges", "police"], "city": null}"#)
        let fresh = RecordInput.writes(for: record, existing: nil)
        #expect(Set(fresh) == [
            FieldWrite(field: "title", value: .string("T")),
            FieldWrite(field: "audience", element: "judges", value: .bool(true)),
            FieldWrite(field: "audience", element: "police", value: .bool(true)),
        ])
        let author = try #require(ReplicaID("00000000000000aa"))
        var state = RecordState(id: record.id)
        for (offset, write) in fresh.enumerated() {
            state.apply(stamp: Stamp(hlc: HLC(millis: 1), author: author, seq: UInt64(offset + 1)), field: write.field, element: write.element, value: write.value)
        }
        #expect(RecordInput.writes(for: record, existing: state).isEmpty)
        let changed = try accepted(.activity, #"{"id": "act-KE-abc", "audience": ["police", "customs"]}"#)
        #expect(Set(RecordInput.writes(for: changed, existing: state)) == [
            FieldWrite(field: "audience", element: "customs", value: .bool(true)),
            FieldWrite(field: "audience", element: "judges", value: .bool(false)),
        ])
        let cleared = try accepted(.activity, #"{"id": "act-KE-abc", "title_en": null, "notes": ""}"#)
        #expect(RecordInput.writes(for: cleared, existing: state).isEmpty)
        let retitled = try accepted(.activity, #"{"id": "act-KE-abc", "title": "T2"}"#)
        #expect(RecordInput.writes(for: retitled, existing: state) == [FieldWrite(field: "title", value: .string("T2"))])
    }
}
