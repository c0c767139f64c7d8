import AccordCore
import PropertyBased
import Testing

/// Fragments that stress normalisation: NFD and NFC spellings, singleton decompositions (CJK
/// compatibility ideographs, the ohm and ångström signs), Hangul jamo, case mappings that change
/// length, white space of several kinds, URL parts and punycode prefixes.
private let fragments: [String] = [
    "a", "Z", "0", "9", "-", "_", ".", ";", " ", "\t", "\u{00A0}", "\u{3000}", "\n",
    "é", "e\u{0301}", "\u{0301}", "\u{F963}", "京", "\u{1112}\u{1161}\u{11AB}", "한", "\u{2126}", "\u{212B}", "ß", "İ", "ﬁ",
    "\u{0627}\u{0644}", "😀", "\u{200D}", "xn--", "mnchen-3ya", "http://", "HTTPS://", "/path?q=1", ":8080", "user@", "Ж", "ж",
]

private let fragmentText = Gen.int(in: 0...(fragments.count - 1)).array(of: 0...10).map { indices in
    indices.map { fragments[$0] }.joined()
}

/// Whatever input normalisation accepts, the merge's schema check must accept too, and
/// normalising again must give the same bytes. Otherwise a value typed on one replica would be
/// written into its chain and then refused by every receiver (or split one entry into two
/// spellings); local writes now refuse such values, so an import of them would fail instead.
@Suite("Normal forms")
struct NormalFormPropertyTests {
    static let fields: [(RecordKind, FieldSpec)] = RecordKind.allCases.flatMap { kind in
        RecordSchema.of(kind).fields.map { (kind, $0) }
    }

    @Test func everyNormalisedValuePassesTheMergeCheck() async {
        await propertyCheck(count: 1000, input: fragmentText) { text in
            for (kind, spec) in Self.fields {
                let input: JSONValue = spec.type.isSet ? .array([.string(text)]) : .string(text)
                guard case .success(let normalized) = FieldValidation.normalize(input, as: spec) else { continue }
                switch normalized {
                case .scalar(let value):
                    #expect(ChangeCheck.problem(kind: kind, field: spec.name, element: nil, value: value) == nil,
                            "\(kind.rawValue).\(spec.name): \(text.unicodeScalars.map { String($0.value, radix: 16) }) → \(value)")
                    if case .success(.scalar(let again)) = FieldValidation.normalize(value.json, as: spec) {
                        #expect(again.json.serialized.utf8.elementsEqual(value.json.serialized.utf8), "\(spec.name) is not idempotent")
                    }
                case .set(let elements):
                    for element in elements {
                        #expect(ChangeCheck.problem(kind: kind, field: spec.name, element: element, value: .bool(true)) == nil,
                                "\(kind.rawValue).\(spec.name): element \(element.unicodeScalars.map { String($0.value, radix: 16) })")
                    }
                }
            }
        }
    }

    /// An ALERT entry created from typed input can always be written and merged: its domain is
    /// in normal form and is the one its id derives from.
    @Test func alertEntriesFromTypedDomainsPassTheMergeCheck() async {
        var accepted = 0
        await propertyCheck(count: 1000, input: fragmentText) { text in
            let input: [String: JSONValue] = ["domain": .string(text + ".example")]
            guard case .success(let record) = RecordInput.validate(input, kind: .alertUpload, office: OfficeCode("KE")!, assignment: .natural) else { return }
            accepted += 1
            for write in RecordInput.writes(for: record, existing: nil) {
                #expect(ChangeCheck.problem(record: record.id, field: write.field, element: write.element, value: write.value) == nil,
                        "\(text.unicodeScalars.map { String($0.value, radix: 16) }): \(write)")
            }
        }
        #expect(accepted >= 100, "only \(accepted) of 1000 generated domains were valid: the generator tests too little")
    }
}
