import AccordCore
import Foundation
import Testing

/// Normalisation decides record identity and what every replica stores byte for byte, so each
/// rule's accepted spellings must map to one normal form, and text must never be mangled.
@Suite("FieldValidation normalisation")
struct FieldValidationUnitTests {
    private func spec(_ kind: RecordKind, _ name: String) -> FieldSpec {
        RecordSchema.of(kind).field(named: name)!
    }

    private func normal(_ kind: RecordKind, _ name: String, _ input: JSONValue) -> NormalizedField? {
        switch FieldValidation.normalize(input, as: spec(kind, name)) {
        case .success(let value): return value
        case .failure(let problem):
            Issue.record("\(kind.rawValue).\(name) refused \(input.serialized): \(problem)")
            return nil
        }
    }

    private func problem(_ kind: RecordKind, _ name: String, _ input: JSONValue) -> FieldProblem? {
        if case .failure(let problem) = FieldValidation.normalize(input, as: spec(kind, name)) { return problem }
        return nil
    }

    @Test func textIsTrimmedButInnerWhitespaceIsKept() {
        #expect(normal(.activity, "city", .string("  Nairobi \n")) == .scalar(.string("Nairobi")))
        #expect(normal(.activity, "notes", .string("line one\nline  two")) == .scalar(.string("line one\nline  two")))
        #expect(normal(.activity, "city", .string("   ")) == .scalar(.null))
    }

    /// Chinese (and other CJK) text is already in NFC and must come back unchanged, byte for byte.
    @Test(arguments: [
        "通过宣传树立尊重工业产权意识知识产权局局长区域研讨会", "以流行卡通形象“小企鹅波罗罗”为主角的儿童卡通集", "阿尔及尔",
        "國家講習班", "知的財産セミナー", "지식재산권 세미나", "ندوة إقليمية حول الملكية الفكرية", "Семинар по ИС", "🎬 video",
    ])
    func unicodeTextInNormalFormIsStoredUnchanged(text: String) {
        #expect(normal(.activity, "title", .string(text)) == .scalar(.string(text)))
        #expect(Array(Text.clean(text).utf8) == Array(text.utf8))
    }

    @Test func decomposedTextIsStoredInNFC() {
        // e + COMBINING ACUTE → é
        #expect(normal(.activity, "city", .string("Gene\u{0300}ve")) == .scalar(.string("Gen\u{00E8}ve")))
        // Hangul conjoining jamo ᄒ ᅡ ᆫ → 한
        #expect(normal(.activity, "title", .string("\u{1112}\u{1161}\u{11AB}국")) == .scalar(.string("\u{D55C}국")))
        // и + COMBINING BREVE → й
        #expect(normal(.activity, "city", .string("Мои\u{0306}")) == .scalar(.string("Мо\u{0439}")))
        // Set elements are normalised the same way.
        #expect(normal(.activity, "organizers", .array([.string("Office de la proprie\u{0301}te\u{0301}")])) == .set(["Office de la propri\u{00E9}t\u{00E9}"]))
    }

    /// Swift's String equality ignores normal form, so compare the stored bytes.
    @Test func nfcIsVisibleInTheBytes() throws {
        guard case .scalar(.string(let stored))? = normal(.activity, "city", .string("Gene\u{0300}ve")) else { return }
        #expect(Array(stored.utf8) == Array("Gen\u{00E8}ve".utf8))
        #expect(Array(stored.utf8) != Array("Gene\u{0300}ve".utf8))
    }

    @Test func choicesAreCaseInsensitiveAndStoredLowercase() {
        #expect(normal(.activity, "kind", .string(" Workshop ")) == .scalar(.string("workshop")))
        #expect(normal(.activity, "mode", .string("IN_PERSON")) == .scalar(.string("in_person")))
        #expect(normal(.activity, "wipo_role", .string("co-organizer")) == .scalar(.string("co-organizer")))
        #expect(normal(.alertUpload, "category", .string("live_sports")) == .scalar(.string("live_sports")))
    }

    @Test func everyListedChoiceIsAccepted() {
        for kind in RecordKind.allCases {
            for field in RecordSchema.of(kind).fields {
                guard case .choice(let options) = field.type else { continue }
                for option in options {
                    #expect(normal(kind, field.name, .string(option)) == .scalar(.string(option)))
                }
            }
        }
    }

    @Test func countryCodesAreUppercased() {
        #expect(normal(.activity, "host_country", .string("ke")) == .scalar(.string("KE")))
        #expect(normal(.activity, "participating_countries", .string("ke; ug ;TZ;;")) == .set(["KE", "TZ", "UG"]))
    }

    @Test func jurisdictionTakesAnISOCodeOrARegionName() {
        #expect(normal(.trainingVariant, "jurisdiction", .string("ph")) == .scalar(.string("PH")))
        #expect(normal(.trainingVariant, "jurisdiction", .string("ASEAN")) == .scalar(.string("ASEAN")))
        #expect(normal(.trainingVariant, "jurisdiction", .string("Latin America")) == .scalar(.string("Latin America")))
    }

    @Test func canonicalLanguageTagsAreKept() {
        for tag in ["fr", "pt-BR", "zh-Hant", "es-419", "sr-Latn-RS", "fil", "de-CH-1996", "en-a-bbb-x-ab"] {
            #expect(normal(.trainingVariant, "language", .string(tag)) == .scalar(.string(tag)))
        }
    }

    /// BCP 47 is case-insensitive; one canonical case keeps `FR` and `fr` one value.
    @Test func languageTagsAreStoredInCanonicalCase() {
        let cases = ["FR": "fr", "pt-br": "pt-BR", "PT-BR": "pt-BR", "ZH-hant": "zh-Hant", "sr-latn-rs": "sr-Latn-RS", "EN-A-BB-X-AB": "en-a-bb-x-ab"]
        for (given, canonical) in cases {
            #expect(normal(.trainingVariant, "language", .string(given)) == .scalar(.string(canonical)), "\(given)")
        }
    }

    @Test func datesAreKeptInTheirOneForm() {
        #expect(normal(.activity, "start_date", .string(" 2019-04-02 ")) == .scalar(.string("2019-04-02")))
        #expect(normal(.alertUpload, "removed_on", .null) == .scalar(.null))
    }

    /// CSV cells and `--set` give numbers as text; JSON gives them as numbers.
    @Test func integersComeFromNumbersOrDigits() {
        #expect(normal(.activity, "participant_count", .int(0)) == .scalar(.int(0)))
        #expect(normal(.activity, "participant_count", .string("25")) == .scalar(.int(25)))
        #expect(normal(.trainingVariant, "year", .string("1900")) == .scalar(.int(1900)))
        #expect(normal(.trainingVariant, "year", .int(2999)) == .scalar(.int(2999)))
    }

    @Test func negativeCountsAndOutOfRangeYearsNameTheirField() {
        #expect(problem(.activity, "participant_count", .int(-1))?.field == "participant_count")
        #expect(problem(.activity, "participant_count", .int(-1))?.message.contains("≥ 0") == true)
        #expect(problem(.trainingVariant, "year", .int(1899))?.field == "year")
        #expect(problem(.trainingVariant, "year", .int(1899))?.message.contains("1900") == true)
    }

    /// A set is a set: duplicates collapse and order is canonical (UTF-8 byte order), so two
    /// replicas given the same items in another order store the same bytes.
    @Test func setsAreDeduplicatedAndSorted() {
        #expect(normal(.activity, "organizers", .array([.string("WIPO"), .string("KIPO"), .string("WIPO"), .string(" ")])) == .set(["KIPO", "WIPO"]))
        #expect(normal(.activity, "organizers", .string("WIPO;KIPO; WIPO")) == .set(["KIPO", "WIPO"]))
        #expect(normal(.activity, "organizers", .string(#"["a;b", "c"]"#)) == .set(["a;b", "c"]))
        #expect(normal(.activity, "organizers", .null) == .set([]))
        #expect(normal(.activity, "organizers", .string("")) == .set([]))
    }

    @Test func tagsAreLowercasedWithSpacesAsUnderscores() {
        #expect(normal(.activity, "audience", .array([.string("Judges"), .string("customs officers"), .string("ip-office")])) == .set(["customs_officers", "ip-office", "judges"]))
    }

    @Test func domainsAreNormalised() {
        #expect(normal(.alertUpload, "domain", .string("https://Example.COM./watch?v=1")) == .scalar(.string("example.com")))
        #expect(normal(.alertUpload, "domain", .string("xn--mnchen-3ya.de")) == .scalar(.string("münchen.de")))
        #expect(normal(.alertUpload, "domain", .string("漫画.example")) == .scalar(.string("漫画.example")))
        #expect(normal(.alertUpload, "domain", .string("com.example.IPTVPlayer")) == .scalar(.string("com.example.iptvplayer")))
        #expect(normal(.alertUpload, "redirects_to", .string("HTTP://Mirror.Example.ORG/")) == .scalar(.string("mirror.example.org")))
        #expect(problem(.alertUpload, "domain", .string("bad domain"))?.field == "domain")
        #expect(problem(.alertUpload, "redirects_to", .string("bad domain"))?.field == "redirects_to")
    }

    @Test func wrongJSONTypesAreNamedWithWhatWasExpected() throws {
        let scalar = try #require(problem(.activity, "participant_count", .bool(true)))
        #expect(scalar.field == "participant_count")
        #expect(scalar.message.contains("true"))
        let set = try #require(problem(.activity, "audience", .int(3)))
        #expect(set.field == "audience")
        #expect(set.message.contains("list"))
        let item = try #require(problem(.activity, "organizers", .array([.object([:])])))
        #expect(item.field == "organizers")
    }
}
