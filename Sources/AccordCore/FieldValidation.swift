import Foundation

/// What is wrong with one field of one record.
public struct FieldProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// A validated, normalised field value: a scalar, or the elements of a set.
public enum NormalizedField: Sendable, Hashable {
    case scalar(FieldValue)
    case set([String])
}

/// Checks and normalises input values field by field. Input comes as JSON values: JSON Lines
/// and `--json` give typed values, CSV cells and `--set field=value` give strings (a set is
/// written `a;b;c` there).
public enum FieldValidation {
    public static func normalize(_ input: JSONValue, as spec: FieldSpec) -> Result<NormalizedField, FieldProblem> {
        func fail(_ message: String) -> Result<NormalizedField, FieldProblem> {
            .failure(FieldProblem(field: spec.name, message: message))
        }
        if spec.type.isSet {
            let items: [JSONValue]
            switch input {
            case .null: items = []
            case .array(let array): items = array
            case .string(let text):
                let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.hasPrefix("["), case .array(let array)? = try? JSONValue.parse(trimmed) {
                    items = array
                } else {
                    items = trimmed.split(separator: ";").map { .string(String($0)) }
                }
            default: return fail("expected a list (JSON array, or items separated by ';')")
            }
            var elements = Set<String>()
            for item in items {
                guard case .string(let raw) = item else { return fail("list items must be text, got \(item.serialized)") }
                do {
                    if let element = try normalizeElement(raw, type: spec.type, field: spec.name) { elements.insert(element) }
                } catch {
                    return .failure(error)
                }
            }
            return .success(.set(elements.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }))
        }

        let text: String
        switch input {
        case .null: return spec.required ? fail("is required") : .success(.scalar(.null))
        case .string(let raw): text = Text.clean(raw)
        case .int(let number):
            if spec.type == .count || spec.type == .year { return checkInteger(number, spec: spec) }
            text = String(number)
        case .number(let raw): return fail("expected a whole number, got \(raw)")
        case .bool, .array, .object: return fail("expected \(describe(spec.type)), got \(input.serialized)")
        }
        if text.isEmpty { return spec.required ? fail("is required") : .success(.scalar(.null)) }

        switch spec.type {
        case .text:
            return .success(.scalar(.string(text)))
        case .choice(let options):
            let word = text.lowercased()
            guard options.contains(word) else { return fail("\"\(text)\" is not one of \(options.joined(separator: ", "))") }
            return .success(.scalar(.string(word)))
        case .country:
            let code = text.uppercased()
            guard ISOCountry.isAssigned(code) else { return fail("\"\(text)\" is not an ISO 3166-1 alpha-2 country code") }
            return .success(.scalar(.string(code)))
        case .date:
            guard let date = CalendarDate(text) else { return fail("\"\(text)\" is not a date of the form YYYY-MM-DD") }
            return .success(.scalar(.string(date.description)))
        case .count, .year:
            guard let number = Int64(text) else { return fail("\"\(text)\" is not a whole number") }
            return checkInteger(number, spec: spec)
        case .language:
            guard Text.isLanguageTag(text) else { return fail("\"\(text)\" is not a BCP 47 language tag (e.g. fr, pt-BR, zh-Hant)") }
            return .success(.scalar(.string(Text.canonicalLanguageTag(text))))
        case .domain:
            do { return .success(.scalar(.string(try DomainName.normalize(text)))) }
            catch { return fail(error.description) }
        case .jurisdiction:
            let upper = text.uppercased()
            if upper.count == 2, upper.allSatisfy(\.isASCII) {
                guard ISOCountry.isAssigned(upper) else { return fail("\"\(text)\" is neither an ISO 3166-1 alpha-2 code nor a region name") }
                return .success(.scalar(.string(upper)))
            }
            return .success(.scalar(.string(text)))
        case .office:
            guard let office = OfficeCode(text.uppercased()) else { return fail("\"\(text)\" is not an office (an ISO 3166-1 alpha-2 code or WIPO)") }
            return .success(.scalar(.string(office.rawValue)))
        case .hex(let count):
            let lower = text.lowercased()
            guard lower.utf8.count == count * 2, Hex.bytes(lower) != nil else { return fail("\"\(text.prefix(80))\" is not \(count) bytes of hexadecimal") }
            return .success(.scalar(.string(lower)))
        case .textSet, .countrySet, .tagSet:
            preconditionFailure("sets are handled above")
        }
    }

    private static func checkInteger(_ number: Int64, spec: FieldSpec) -> Result<NormalizedField, FieldProblem> {
        if spec.type == .year, !(1900...2999).contains(number) {
            return .failure(FieldProblem(field: spec.name, message: "\(number) is not a year between 1900 and 2999"))
        }
        if number < 0 { return .failure(FieldProblem(field: spec.name, message: "\(number) is negative; expected a whole number ≥ 0")) }
        return .success(.scalar(.int(number)))
    }

    /// Normalises one set element; nil for an empty item (ignored).
    public static func normalizeElement(_ raw: String, type: FieldType, field: String) throws(FieldProblem) -> String? {
        let text = Text.clean(raw)
        if text.isEmpty { return nil }
        switch type {
        case .countrySet:
            let code = text.uppercased()
            guard ISOCountry.isAssigned(code) else {
                throw FieldProblem(field: field, message: "\"\(text)\" is not an ISO 3166-1 alpha-2 country code")
            }
            return code
        case .tagSet:
            let tag = text.lowercased().replacingOccurrences(of: " ", with: "_")
            guard tag.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-" }) else {
                throw FieldProblem(field: field, message: "\"\(text)\" is not a tag (letters, digits, '_' and '-')")
            }
            return tag
        default:
            return text
        }
    }

    static func describe(_ type: FieldType) -> String {
        switch type {
        case .count: "a whole number ≥ 0"
        case .year: "a year"
        case .date: "a date YYYY-MM-DD"
        default: "text"
        }
    }
}

/// Text normalisation shared by every field: trimmed, NFC, never otherwise altered.
public enum Text {
    public static func clean(_ raw: String) -> String {
        // Most values are ASCII: trim them without Foundation, which bridges through UTF-16.
        let utf8 = raw.utf8
        if utf8.allSatisfy({ $0 < 0x80 }) {
            func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
            guard let start = utf8.firstIndex(where: { !isSpace($0) }) else { return "" }
            let end = utf8.lastIndex(where: { !isSpace($0) })!
            if start == utf8.startIndex && end == utf8.index(before: utf8.endIndex) { return raw }
            return String(raw[start...end])
        }
        return nfc(raw.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// NFC normal form; pure ASCII is returned as is without a trip through Foundation.
    public static func nfc(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        return text.precomposedStringWithCanonicalMapping
    }

    /// BCP 47 tags are case-insensitive; the canonical case (RFC 5646 section 2.1.1) is lowercase,
    /// with a four-letter script in title case and a two-letter region in upper case (before any
    /// singleton), so `PT-br` and `pt-BR` are one value (and one training-variant key).
    static func canonicalLanguageTag(_ text: String) -> String {
        var afterSingleton = false
        return text.split(separator: "-", omittingEmptySubsequences: false).enumerated().map { offset, part in
            let lower = part.lowercased()
            if offset == 0 || afterSingleton { return lower }
            if part.count == 1 { afterSingleton = true; return lower }
            if part.count == 4, part.allSatisfy(\.isLetter) { return lower.prefix(1).uppercased() + lower.dropFirst() }
            if part.count == 2, part.allSatisfy(\.isLetter) { return lower.uppercased() }
            return lower
        }.joined(separator: "-")
    }

    /// The shape of a BCP 47 tag: a 2–3 letter language, then subtags of 1–8 letters or digits.
    static func isLanguageTag(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, (2...3).contains(first.count), first.allSatisfy({ $0.isASCII && $0.isLetter }) else { return false }
        return parts.dropFirst().allSatisfy { part in
            (1...8).contains(part.count) && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        }
    }
}
