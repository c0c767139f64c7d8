import AccordCore
import Testing

/// What a receiver checks in a change before merging it: a peer that skips normalisation (or
/// lies about its clock) must not get a value in that a local write could never produce.
@Suite("ChangeCheck and the clock-skew rule")
struct ChangeCheckUnitTests {
    private func problem(_ kind: RecordKind, _ field: String, element: String? = nil, _ value: FieldValue) -> String? {
        ChangeCheck.problem(kind: kind, field: field, element: element, value: value)
    }

    @Test func valuesInNormalFormPass() {
        #expect(problem(.alertUpload, "domain", .string("münchen.de")) == nil)
        #expect(problem(.alertUpload, "status", .string("offline")) == nil)
        #expect(problem(.alertUpload, "notes", .null) == nil)
        #expect(problem(.activity, "participant_count", .int(12)) == nil)
        #expect(problem(.activity, "audience", element: "judges", .bool(true)) == nil)
        #expect(problem(.trainingVariant, "language", .string("pt-BR")) == nil)
        #expect(problem(.activity, Change.deletedField, .bool(true)) == nil)
    }

    /// One site spelled two ways would be two entries; a merged value must be the normal form.
    @Test func valuesNotInNormalFormAreRefused() {
        #expect(problem(.alertUpload, "domain", .string("xn--mnchen-3ya.de")) != nil)
        #expect(problem(.alertUpload, "domain", .string("Example.COM")) != nil)
        #expect(problem(.alertUpload, "status", .string("OFFLINE")) != nil)
        #expect(problem(.activity, "host_country", .string("ke")) != nil)
        #expect(problem(.activity, "title", .string(" padded ")) != nil)
        #expect(problem(.activity, "city", .string("Gene\u{0300}ve")) != nil)
        #expect(problem(.activity, "participant_count", .string("12")) != nil)
        #expect(problem(.trainingVariant, "language", .string("pt-br")) != nil)
        #expect(problem(.activity, "audience", element: "Judges", .bool(true)) != nil)
    }

    @Test func invalidValuesAreRefusedWithTheField() {
        #expect(problem(.activity, "participant_count", .int(-1))?.contains("participant_count") == true)
        #expect(problem(.alertUpload, "listed_on", .string("2026-02-30"))?.contains("listed_on") == true)
        #expect(problem(.alertUpload, "domain", .null)?.contains("required") == true)
    }

    @Test func theShapeOfSetAndFlagChangesIsChecked() {
        #expect(problem(.activity, "audience", .bool(true)) != nil)                       // no element
        #expect(problem(.activity, "audience", element: "judges", .string("yes")) != nil) // not a flag
        #expect(problem(.activity, "title", element: "x", .string("t")) != nil)           // element on a scalar
        #expect(problem(.activity, Change.deletedField, .string("yes")) != nil)
        #expect(problem(.activity, Change.deletedField, element: "x", .bool(true)) != nil)
    }

    /// Fields of a newer version are kept and relayed, whatever they hold.
    @Test func unknownFieldsPass() {
        #expect(problem(.activity, "budget_chf", .int(-5)) == nil)
        #expect(problem(.alertUpload, "mirrors", element: "Anything", .bool(true)) == nil)
    }

    @Test func aChangeTooFarAheadIsRefusedNamingTheReplicaAndOffset() throws {
        let replica = try #require(ReplicaID("00000000000000aa"))
        let now: UInt64 = 1_800_000_000_000
        #expect(ClockSkewError.check(HLC(millis: now + 600_000, counter: 9), author: replica, nowMillis: now, allowedMillis: 600_000) == nil)
        #expect(ClockSkewError.check(HLC(millis: now - 86_400_000), author: replica, nowMillis: now, allowedMillis: 600_000) == nil)
        let error = try #require(ClockSkewError.check(HLC(millis: now + 3_600_000), author: replica, nowMillis: now, allowedMillis: 600_000))
        #expect(error.aheadMillis == 3_600_000)
        #expect(error.description.contains("00000000000000aa"))
        #expect(error.description.contains("3600.0 s"))
    }
}
