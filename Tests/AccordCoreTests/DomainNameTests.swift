import AccordCore
import AccordTestSupport
import Testing

/// One sample string of RFC 3492 section 7.1: the code points exactly as listed, and the
/// Punycode as printed (which may carry mixed-case annotations).
private struct RFCSample: Sendable, CustomTestStringConvertible {
    let name: String
    let codePoints: [UInt32]
    let punycode: String

    var testDescription: String { name }

    var unicode: String {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: codePoints.compactMap(Unicode.Scalar.init))
        return String(scalars)
    }

    /// What our encoder must produce: the RFC's output without mixed-case annotations. Basic
    /// code points (before the last "-") keep their case; the digits after it are lowercase.
    var expectedEncoding: String {
        guard let dash = punycode.lastIndex(of: "-") else { return punycode.lowercased() }
        return String(punycode[...dash]) + punycode[punycode.index(after: dash)...].lowercased()
    }
}

private let rfcSamples: [RFCSample] = [
    RFCSample(name: "(A) Arabic (Egyptian)", codePoints: [
        0x0644, 0x064A, 0x0647, 0x0645, 0x0627, 0x0628, 0x062A, 0x0643, 0x0644,
        0x0645, 0x0648, 0x0634, 0x0639, 0x0631, 0x0628, 0x064A, 0x061F,
    ], punycode: "egbpdaj6bu4bxfgehfvwxn"),
    RFCSample(name: "(B) Chinese (simplified)", codePoints: [
        0x4ED6, 0x4EEC, 0x4E3A, 0x4EC0, 0x4E48, 0x4E0D, 0x8BF4, 0x4E2D, 0x6587,
    ], punycode: "ihqwcrb4cv8a8dqg056pqjye"),
    RFCSample(name: "(C) Chinese (traditional)", codePoints: [
        0x4ED6, 0x5011, 0x7232, 0x4EC0, 0x9EBD, 0x4E0D, 0x8AAA, 0x4E2D, 0x6587,
    ], punycode: "ihqwctvzc91f659drss3x8bo0yb"),
    RFCSample(name: "(D) Czech", codePoints: [
        0x0050, 0x0072, 0x006F, 0x010D, 0x0070, 0x0072, 0x006F, 0x0073, 0x0074,
        0x011B, 0x006E, 0x0065, 0x006D, 0x006C, 0x0075, 0x0076, 0x00ED, 0x010D,
        0x0065, 0x0073, 0x006B, 0x0079,
    ], punycode: "Proprostnemluvesky-uyb24dma41a"),
    RFCSample(name: "(E) Hebrew", codePoints: [
        0x05DC, 0x05DE, 0x05D4, 0x05D4, 0x05DD, 0x05E4, 0x05E9, 0x05D5, 0x05D8,
        0x05DC, 0x05D0, 0x05DE, 0x05D3, 0x05D1, 0x05E8, 0x05D9, 0x05DD, 0x05E2,
        0x05D1, 0x05E8, 0x05D9, 0x05EA,
    ], punycode: "4dbcagdahymbxekheh6e0a7fei0b"),
    RFCSample(name: "(F) Hindi (Devanagari)", codePoints: [
        0x092F, 0x0939, 0x0932, 0x094B, 0x0917, 0x0939, 0x093F, 0x0928, 0x094D,
        0x0926, 0x0940, 0x0915, 0x094D, 0x092F, 0x094B, 0x0902, 0x0928, 0x0939,
        0x0940, 0x0902, 0x092C, 0x094B, 0x0932, 0x0938, 0x0915, 0x0924, 0x0947,
        0x0939, 0x0948, 0x0902,
    ], punycode: "i1baa7eci9glrd9b2ae1bj0hfcgg6iyaf8o0a1dig0cd"),
    RFCSample(name: "(G) Japanese (kanji and hiragana)", codePoints: [
        0x306A, 0x305C, 0x307F, 0x3093, 0x306A, 0x65E5, 0x672C, 0x8A9E, 0x3092,
        0x8A71, 0x3057, 0x3066, 0x304F, 0x308C, 0x306A, 0x3044, 0x306E, 0x304B,
    ], punycode: "n8jok5ay5dzabd5bym9f0cm5685rrjetr6pdxa"),
    RFCSample(name: "(H) Korean (Hangul syllables)", codePoints: [
        0xC138, 0xACC4, 0xC758, 0xBAA8, 0xB4E0, 0xC0AC, 0xB78C, 0xB4E4, 0xC774,
        0xD55C, 0xAD6D, 0xC5B4, 0xB97C, 0xC774, 0xD574, 0xD55C, 0xB2E4, 0xBA74,
        0xC5BC, 0xB9C8, 0xB098, 0xC88B, 0xC744, 0xAE4C,
    ], punycode: "989aomsvi5e83db1d2a355cv1e0vak1dwrv93d5xbh15a0dt30a5jpsd879ccm6fea98c"),
    RFCSample(name: "(I) Russian (Cyrillic)", codePoints: [
        0x043F, 0x043E, 0x0447, 0x0435, 0x043C, 0x0443, 0x0436, 0x0435, 0x043E,
        0x043D, 0x0438, 0x043D, 0x0435, 0x0433, 0x043E, 0x0432, 0x043E, 0x0440,
        0x044F, 0x0442, 0x043F, 0x043E, 0x0440, 0x0443, 0x0441, 0x0441, 0x043A,
        0x0438,
    ], punycode: "b1abfaaepdrnnbgefbaDotcwatmq2g4l"),
    RFCSample(name: "(J) Spanish", codePoints: [
        0x0050, 0x006F, 0x0072, 0x0071, 0x0075, 0x00E9, 0x006E, 0x006F, 0x0070,
        0x0075, 0x0065, 0x0064, 0x0065, 0x006E, 0x0073, 0x0069, 0x006D, 0x0070,
        0x006C, 0x0065, 0x006D, 0x0065, 0x006E, 0x0074, 0x0065, 0x0068, 0x0061,
        0x0062, 0x006C, 0x0061, 0x0072, 0x0065, 0x006E, 0x0045, 0x0073, 0x0070,
        0x0061, 0x00F1, 0x006F, 0x006C,
    ], punycode: "PorqunopuedensimplementehablarenEspaol-fmd56a"),
    RFCSample(name: "(K) Vietnamese", codePoints: [
        0x0054, 0x1EA1, 0x0069, 0x0073, 0x0061, 0x006F, 0x0068, 0x1ECD, 0x006B,
        0x0068, 0x00F4, 0x006E, 0x0067, 0x0074, 0x0068, 0x1EC3, 0x0063, 0x0068,
        0x1EC9, 0x006E, 0x00F3, 0x0069, 0x0074, 0x0069, 0x1EBF, 0x006E, 0x0067,
        0x0056, 0x0069, 0x1EC7, 0x0074,
    ], punycode: "TisaohkhngthchnitingVit-kjcr8268qyxafd2f1b9g"),
    RFCSample(name: "(L) 3<nen>B<gumi><kinpachi><sensei>", codePoints: [
        0x0033, 0x5E74, 0x0042, 0x7D44, 0x91D1, 0x516B, 0x5148, 0x751F,
    ], punycode: "3B-ww4c5e180e575a65lsy2b"),
    RFCSample(name: "(M) <amuro><namie>-with-SUPER-MONKEYS", codePoints: [
        0x5B89, 0x5BA4, 0x5948, 0x7F8E, 0x6075, 0x002D, 0x0077, 0x0069, 0x0074,
        0x0068, 0x002D, 0x0053, 0x0055, 0x0050, 0x0045, 0x0052, 0x002D, 0x004D,
        0x004F, 0x004E, 0x004B, 0x0045, 0x0059, 0x0053,
    ], punycode: "-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n"),
    RFCSample(name: "(N) Hello-Another-Way-<sorezore><no><basho>", codePoints: [
        0x0048, 0x0065, 0x006C, 0x006C, 0x006F, 0x002D, 0x0041, 0x006E, 0x006F,
        0x0074, 0x0068, 0x0065, 0x0072, 0x002D, 0x0057, 0x0061, 0x0079, 0x002D,
        0x305D, 0x308C, 0x305E, 0x308C, 0x306E, 0x5834, 0x6240,
    ], punycode: "Hello-Another-Way--fc4qua05auwb3674vfr0b"),
    RFCSample(name: "(O) <hitotsu><yane><no><shita>2", codePoints: [
        0x3072, 0x3068, 0x3064, 0x5C4B, 0x6839, 0x306E, 0x4E0B, 0x0032,
    ], punycode: "2-u9tlzr9756bt3uc0v"),
    RFCSample(name: "(P) Maji<de>Koi<suru>5<byou><mae>", codePoints: [
        0x004D, 0x0061, 0x006A, 0x0069, 0x3067, 0x004B, 0x006F, 0x0069, 0x3059,
        0x308B, 0x0035, 0x79D2, 0x524D,
    ], punycode: "MajiKoi5-783gue6qz075azm5e"),
    RFCSample(name: "(Q) <pafii>de<runba>", codePoints: [
        0x30D1, 0x30D5, 0x30A3, 0x30FC, 0x0064, 0x0065, 0x30EB, 0x30F3, 0x30D0,
    ], punycode: "de-jg4avhby1noc0d"),
    RFCSample(name: "(R) <sono><supiido><de>", codePoints: [
        0x305D, 0x306E, 0x30B9, 0x30D4, 0x30FC, 0x30C9, 0x3067,
    ], punycode: "d9juau41awczczp"),
    RFCSample(name: "(S) -> $1.00 <-", codePoints: [
        0x002D, 0x003E, 0x0020, 0x0024, 0x0031, 0x002E, 0x0030, 0x0030, 0x0020,
        0x003C, 0x002D,
    ], punycode: "-> $1.00 <--"),
]

/// Reproducible draws for the property tests below.
private extension SeededRandom {
    mutating func next(in range: ClosedRange<UInt32>) -> UInt32 {
        range.lowerBound + UInt32(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }
}

private let anyScripts: [ClosedRange<UInt32>] = [
    0x61...0x7A, 0x30...0x39, 0x2D...0x2D, 0xE0...0xFF, 0x430...0x44F,
    0x5D0...0x5EA, 0x3041...0x3096, 0x4E00...0x9FFF, 0xAC00...0xD7A3, 0x1F300...0x1F5FF, 0x20000...0x2A6DF,
]

/// Letters and digits only (upper case included), so most generated names are valid domains.
private let labelScripts: [ClosedRange<UInt32>] = [
    0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0xC0...0xD6, 0xE0...0xF6, 0x410...0x44F,
    0x5D0...0x5EA, 0x3041...0x3096, 0x4E00...0x9FFF, 0xAC00...0xD7A3, 0x20000...0x2A6DF,
]

/// Random labels drawn from a mix of scripts, including astral code points (where UTF-16 and
/// scalar counts differ) and ASCII (which exercises the basic-code-point path).
private func randomLabel(_ rng: inout SeededRandom, from ranges: [ClosedRange<UInt32>] = anyScripts, maxLength: Int = 20) -> String {
    var scalars = String.UnicodeScalarView()
    for _ in 0..<(1 + Int(rng.next() % UInt64(maxLength))) {
        let range = ranges[Int(rng.next() % UInt64(ranges.count))]
        if let scalar = Unicode.Scalar(rng.next(in: range)) { scalars.append(scalar) }
    }
    return String(scalars)
}

/// The reason `normalize` gives, or nil when it succeeds.
private func failure(_ raw: String) -> String? {
    do {
        _ = try DomainName.normalize(raw)
        return nil
    } catch {
        return error.reason
    }
}

@Suite struct PunycodeTests {
    @Test(arguments: rfcSamples)
    fileprivate func encodesRFCSample(_ sample: RFCSample) {
        #expect(Punycode.encode(sample.unicode) == sample.expectedEncoding)
    }

    @Test(arguments: rfcSamples)
    fileprivate func decodesRFCSample(_ sample: RFCSample) throws {
        let decoded = try Punycode.decode(sample.punycode)
        #expect(decoded.unicodeScalars.map(\.value) == sample.codePoints)
        // Digits are case-insensitive.
        let upper = try Punycode.decode(sample.expectedEncoding.uppercased())
        #expect(upper.lowercased() == sample.unicode.lowercased())
    }

    @Test func emptyAndASCII() throws {
        #expect(Punycode.encode("") == "")
        #expect(Punycode.encode("abc") == "abc-")
        #expect(Punycode.encode("bücher") == "bcher-kva")
        #expect(try Punycode.decode("") == "")
        #expect(try Punycode.decode("abc-") == "abc")
        #expect(try Punycode.decode("bcher-kva") == "bücher")
    }

    @Test(arguments: [
        ("zz!", PunycodeError.invalidCharacter),   // "!" is not a digit
        ("abc-d!e", .invalidCharacter),
        ("ü-abc", .invalidCharacter),              // non-ASCII before the delimiter
        ("abc-ü", .invalidCharacter),
        ("b", .badInput),                          // ends in the middle of a number
        ("abc-9", .badInput),
        ("ib9b", .badInput),                       // decodes to the surrogate U+D800
        ("99999999999", .overflow),
    ])
    func rejectsMalformed(_ input: String, _ expected: PunycodeError) {
        #expect(throws: expected) { try Punycode.decode(input) }
    }

    @Test func roundTripsRandomLabels() throws {
        var rng = SeededRandom(seed: 0xACC0_4D)
        for _ in 0..<500 {
            let label = randomLabel(&rng)
            let encoded = try #require(Punycode.encode(label))
            #expect(encoded.utf8.allSatisfy { $0 < 0x80 })
            let decoded = try Punycode.decode(encoded)
            #expect(decoded.unicodeScalars.elementsEqual(label.unicodeScalars), "\(label) -> \(encoded)")
        }
    }
}

@Suite struct DomainNameTests {
    @Test(arguments: [
        ("https://Example.COM./x?y", "example.com"),
        ("example.com", "example.com"),
        ("  http://user:secret@Example.com:8080/path?q=1#frag \n", "example.com"),
        ("ftp://example.com", "example.com"),
        ("myapp+x://com.Example.App/open", "com.example.app"),
        ("example.com?u=http://other.org", "example.com"),
        ("example.com:", "example.com"),
        ("com.example_app.tv", "com.example_app.tv"),
        ("xn--mnchen-3ya.de", "münchen.de"),
        ("münchen.de", "münchen.de"),
        ("MÜNCHEN.DE", "münchen.de"),
        ("XN--MNCHEN-3YA.DE", "münchen.de"),
        ("mu\u{308}nchen.de", "münchen.de"),
        ("https://www.xn--fuball-cta.example/", "www.fußball.example"),
    ])
    func normalizes(_ raw: String, _ expected: String) throws {
        let normalized = try DomainName.normalize(raw)
        // Compare scalars: String equality would hide a missing NFC step.
        #expect(normalized.unicodeScalars.elementsEqual(expected.unicodeScalars))
        #expect(try DomainName.normalize(normalized) == normalized)
    }

    /// A punycode label that decodes to "xn--…" (or anything with "--" in its third and fourth
    /// places) is refused: its decoded form would be decoded again on the next check. Found by
    /// `alertEntriesFromTypedDomainsPassTheMergeCheck`.
    @Test func aLabelDecodingToAnACELabelIsRefused() throws {
        for inner in ["xn--aèmnchen", "ab--ü"] {
            let encoded = "xn--" + (try #require(Punycode.encode(inner))) + ".example"
            #expect(failure(encoded)?.contains("third and fourth places") == true, "\(encoded)")
        }
        #expect(failure("xn--mnchen-3ya.de") == nil)
    }

    @Test func asciiForm() {
        #expect(DomainName.asciiForm("münchen.de") == "xn--mnchen-3ya.de")
        #expect(DomainName.asciiForm("example.com") == "example.com")
        #expect(DomainName.asciiForm("") == nil)
    }

    /// RFC samples that are valid labels (no punctuation, short enough) normalise the same in
    /// their punycode and Unicode forms.
    @Test(arguments: rfcSamples.filter { !["(A)", "(H)", "(S)"].contains(String($0.name.prefix(3))) })
    fileprivate func punycodeAndUnicodeFormsAgree(_ sample: RFCSample) throws {
        let fromUnicode = try DomainName.normalize(sample.unicode + ".example")
        let fromPunycode = try DomainName.normalize("xn--" + sample.punycode + ".example")
        #expect(fromUnicode.unicodeScalars.elementsEqual(fromPunycode.unicodeScalars))
        #expect(fromUnicode == sample.unicode.lowercased() + ".example")
        #expect(DomainName.asciiForm(fromUnicode) == "xn--" + sample.expectedEncoding.lowercased() + ".example")
    }

    @Test(arguments: [
        ("", "empty domain"),
        ("   ", "empty domain"),
        ("https://", "empty domain"),
        (".", "empty domain"),
        ("a..b", "empty label in \"a..b\""),
        (".example.com", "empty label in \".example.com\""),
        ("example.com..", "empty label in \"example.com.\""),
        ("xn--zz!", "invalid punycode label \"xn--zz!\""),
        ("xn--.com", "invalid punycode label \"xn--\""),
        ("xn--abc-.com", "invalid punycode label \"xn--abc-\""),
        ("xn--ib9b.com", "invalid punycode label \"xn--ib9b\""),
        (String(repeating: "a", count: 64) + ".com", "label longer than 63 characters"),
        (String(repeating: "ü", count: 60) + ".com", "label longer than 63 characters"),
        (Array(repeating: String(repeating: "a", count: 50), count: 5).joined(separator: "."), "name longer than 253 characters"),
        ("-abc.com", "label \"-abc\" starts with \"-\""),
        ("abc-.com", "label \"abc-\" ends with \"-\""),
        ("exa mple.com", "invalid character \" \" in \"exa mple\""),
        ("a!b.com", "invalid character \"!\" in \"a!b\""),
        ("example.com:abc", "invalid character \":\" in \"com:abc\""),
        ("caf\u{E9}\u{200D}.com", "invalid character U+200D in \"caf\u{E9}\u{200D}\""),
        ("\u{301}abc.com", "label \"\u{301}abc\" starts with a combining mark"),
    ])
    func rejects(_ raw: String, _ reason: String) {
        #expect(failure(raw) == reason)
    }

    @Test func koreanSampleIsTooLongInBothForms() {
        guard let korean = rfcSamples.first(where: { $0.name.hasPrefix("(H)") }) else {
            Issue.record("missing sample (H)")
            return
        }
        #expect(failure(korean.unicode + ".kr") == "label longer than 63 characters")
        #expect(failure("xn--" + korean.punycode + ".kr") == "label longer than 63 characters")
    }

    @Test func boundaryLengthsAreAccepted() throws {
        let label63 = String(repeating: "a", count: 63)
        #expect(try DomainName.normalize(label63 + ".com") == label63 + ".com")
        let name253 = Array(repeating: label63, count: 3).joined(separator: ".") + "." + String(repeating: "b", count: 61)
        #expect(name253.utf8.count == 253)
        #expect(try DomainName.normalize(name253 + ".") == name253)
    }

    /// Any name that normalises comes back unchanged through its ASCII form.
    @Test func roundTripsThroughASCIIForm() throws {
        var rng = SeededRandom(seed: 0xD0_4A1E)
        var checked = 0
        for _ in 0..<300 {
            let raw = randomLabel(&rng, from: labelScripts, maxLength: 10) + "." + randomLabel(&rng, from: labelScripts, maxLength: 10)
            guard let normalized = try? DomainName.normalize(raw) else { continue }
            let ascii = try #require(DomainName.asciiForm(normalized))
            #expect(try DomainName.normalize(ascii) == normalized, "\(raw) -> \(ascii)")
            #expect(try DomainName.normalize(normalized) == normalized)
            checked += 1
        }
        #expect(checked > 250)
    }
}
