import Foundation

/// Normalises the `domain` field of an ALERT entry: a web domain (Unicode or punycode) or an app identifier.
///
/// The normal form is what record identities are derived from, so every spelling of the same
/// site must map to one string: URLs are cut down to their host, case and Unicode composition
/// are unified, and "xn--" labels are shown in Unicode (the form people type and read).
/// Lengths are still checked against the DNS limits of the ASCII form, because that is the form
/// that has to fit in the DNS.
public enum DomainName {
    /// Longest name, in ASCII form, without the trailing dot (RFC 1035 / RFC 2181).
    private static let maxNameLength = 253
    /// Longest label, in ASCII form.
    private static let maxLabelLength = 63
    private static let acePrefix = "xn--"

    /// Returns the normal form: trimmed; scheme ("http://", "https://", any "xyz://"), userinfo ("user@"), port (":8080"), path, query and fragment removed; lowercased; NFC; no trailing dot; every "xn--" label decoded to Unicode (then lowercased and NFC'd again). So "https://Example.COM./x?y", "example.com" give "example.com", and "xn--mnchen-3ya.de" and "münchen.de" and "MÜNCHEN.DE" give "münchen.de".
    ///
    /// Accepted labels hold Unicode letters, combining marks (needed by scripts such as
    /// Devanagari), decimal digits, "-" and "_" (app identifiers such as `com.example_app.tv`).
    public static func normalize(_ raw: String) throws(DomainNameError) -> String {
        if isNormalASCII(raw) { return raw }
        var name = canonicalCase(String(Substring(host(of: raw))))
        if name.utf8.last == UInt8(ascii: ".") { name.unicodeScalars.removeLast() }
        guard !name.isEmpty else { throw DomainNameError(reason: "empty domain") }
        // Every scalar of a label costs at least one byte of its ASCII form, so this bounds the
        // work below (and Punycode's quadratic insertions) before any decoding happens.
        guard name.utf8.count <= maxNameLength || name.unicodeScalars.count <= maxNameLength else { throw tooLong }

        // Labels are split on the "." byte, so splitting, like validation, is per scalar: a "."
        // followed by a combining mark still separates labels (and the mark is then rejected).
        var labels: [String] = []
        var decodedAny = false  // otherwise `name` is already the result and needs no re-joining
        var asciiLength = -1
        for bytes in name.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            let piece = Substring(bytes)
            guard !piece.isEmpty else { throw DomainNameError(reason: "empty label in \(quoted(name))") }
            let label = try unicodeLabel(piece)
            decodedAny = decodedAny || piece.utf8.starts(with: acePrefix.utf8)
            try check(label)
            guard let ascii = asciiLabel(label) else {
                throw DomainNameError(reason: "label \(quoted(label)) cannot be punycode-encoded")
            }
            guard ascii.utf8.count <= maxLabelLength else {
                throw DomainNameError(reason: "label longer than \(maxLabelLength) characters")
            }
            asciiLength += ascii.utf8.count + 1
            labels.append(label)
        }
        guard asciiLength <= maxNameLength else { throw tooLong }
        return decodedAny ? labels.joined(separator: ".") : name
    }

    /// True for a name that the full path below would return unchanged: lowercase ASCII labels
    /// of letters, digits, "-" and "_", none empty, none starting or ending with "-", none an
    /// "xn--" label, 63 bytes a label, 253 in all. Most domains are like this, and received
    /// changes re-check every domain, so it pays to skip the scalar-by-scalar work for them.
    static func isNormalASCII(_ name: String) -> Bool {
        return name.withUTF8Bytes { bytes in
            guard !bytes.isEmpty, bytes.count <= maxNameLength else { return false }
            var labelLength = 0
            var previous: UInt8 = UInt8(ascii: ".")
            var labelStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                if byte == UInt8(ascii: ".") {
                    guard labelLength > 0, previous != UInt8(ascii: "-") else { return false }
                    labelLength = 0
                } else {
                    guard isLabelByte(byte) else { return false }
                    if labelLength == 0 {
                        guard byte != UInt8(ascii: "-") else { return false }
                        labelStart = index
                    }
                    labelLength += 1
                    guard labelLength <= maxLabelLength else { return false }
                    if labelLength == 4, bytes[labelStart...index].elementsEqual(acePrefix.utf8) { return false }
                }
                previous = byte
            }
            return labelLength > 0 && previous != UInt8(ascii: "-")
        }
    }

    /// The ASCII (punycode) form of a normalised name, e.g. "xn--mnchen-3ya.de".
    ///
    /// ASCII labels are kept as they are and other labels become "xn--" plus their Punycode.
    /// Returns nil for an empty name or when a label cannot be encoded.
    public static func asciiForm(_ normalized: String) -> String? {
        guard !normalized.isEmpty else { return nil }
        var labels: [String] = []
        for label in normalized.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard let ascii = asciiLabel(String(Substring(label))) else { return nil }
            labels.append(ascii)
        }
        return labels.joined(separator: ".")
    }

    private static var tooLong: DomainNameError {
        DomainNameError(reason: "name longer than \(maxNameLength) characters")
    }

    /// Cuts a URL-ish string down to its host: whitespace, scheme, path/query/fragment, userinfo
    /// and numeric port go, in that order (the order in which they nest in a URL).
    private static func host(of raw: String) -> Substring.UnicodeScalarView {
        var s = Substring(raw).unicodeScalars
        while let first = s.first, first.properties.isWhitespace { s.removeFirst() }
        while let last = s.last, last.properties.isWhitespace { s.removeLast() }
        // A scheme only counts if what precedes "://" looks like one, so a "://" inside a query
        // string ("example.com/?u=http://x") is not mistaken for it.
        if let colon = s.firstIndex(of: ":"), isScheme(s[..<colon]),
           s[colon...].starts(with: "://".unicodeScalars) {
            s = s[s.index(colon, offsetBy: 3)...]
        }
        if let end = s.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { s = s[..<end] }
        if let at = s.lastIndex(of: "@") { s = s[s.index(after: at)...] }
        // Only a numeric port is removed; "example.com:abc" keeps its colon and is rejected.
        if let colon = s.lastIndex(of: ":"), s[s.index(after: colon)...].allSatisfy(isASCIIDigit) {
            s = s[..<colon]
        }
        return s
    }

    /// RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
    private static func isScheme(_ s: Substring.UnicodeScalarView) -> Bool {
        guard let first = s.first, isASCIILetter(first) else { return false }
        return s.allSatisfy { isASCIILetter($0) || isASCIIDigit($0) || $0 == "+" || $0 == "-" || $0 == "." }
    }

    /// Lowercased, then NFC. NFC is skipped for pure ASCII, which is already in NFC and is the
    /// overwhelmingly common case (this runs for every imported record).
    private static func canonicalCase(_ s: String) -> String {
        let lower = s.lowercased()
        return lower.utf8.allSatisfy { $0 < 0x80 } ? lower : lower.precomposedStringWithCanonicalMapping
    }

    /// The Unicode form of one label: "xn--" labels are decoded; the decoded text must not be
    /// pure ASCII, since such a label never has an "xn--" form (it would be a disguised alias).
    private static func unicodeLabel(_ piece: Substring) throws(DomainNameError) -> String {
        guard piece.utf8.starts(with: acePrefix.utf8) else { return String(piece) }
        let invalid = DomainNameError(reason: "invalid punycode label \(quoted(String(piece)))")
        // A longer punycode label is too long whatever it decodes to; refusing it first keeps
        // decoding cheap.
        guard piece.utf8.count <= maxLabelLength else {
            throw DomainNameError(reason: "label longer than \(maxLabelLength) characters")
        }
        let decoded: String
        do { decoded = try Punycode.decode(String(piece.dropFirst(acePrefix.count))) } catch { throw invalid }
        guard !decoded.utf8.allSatisfy({ $0 < 0x80 }) else { throw invalid }
        let label = canonicalCase(decoded)
        // RFC 5891 4.2.3.1: a U-label has no "--" in its third and fourth places. One decoding to
        // "xn--…" would be decoded again when the entry is next checked, so its normal form
        // would not be stable (and every receiver would refuse it).
        let start = Array(label.unicodeScalars.prefix(4))
        guard !(start.count == 4 && start[2] == "-" && start[3] == "-") else {
            throw DomainNameError(reason: "punycode label \(quoted(String(piece))) decodes to \(quoted(label)), which has \"--\" in its third and fourth places")
        }
        return label
    }

    /// Character and hyphen rules for one label in Unicode form.
    private static func check(_ label: String) throws(DomainNameError) {
        if label.utf8.first == UInt8(ascii: "-") { throw DomainNameError(reason: "label \(quoted(label)) starts with \"-\"") }
        if label.utf8.last == UInt8(ascii: "-") { throw DomainNameError(reason: "label \(quoted(label)) ends with \"-\"") }
        if label.utf8.allSatisfy(isLabelByte) { return }
        for scalar in label.unicodeScalars where !isLabelScalar(scalar) {
            throw DomainNameError(reason: "invalid character \(describe(scalar)) in \(quoted(label))")
        }
        if let first = label.unicodeScalars.first, isMark(first) {
            throw DomainNameError(reason: "label \(quoted(label)) starts with a combining mark")
        }
    }

    /// The ASCII form of one label; nil only if Punycode overflows.
    private static func asciiLabel(_ label: String) -> String? {
        if label.utf8.allSatisfy({ $0 < 0x80 }) { return label }
        return Punycode.encode(label).map { acePrefix + $0 }
    }

    private static func isLabelByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"): true
        default: false
        }
    }

    private static func isLabelScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return isLabelByte(UInt8(scalar.value)) }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber: return true
        default: return false
        }
    }

    private static func isMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }

    private static func isASCIILetter(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) || ("A"..."Z").contains(s) }
    private static func isASCIIDigit(_ s: Unicode.Scalar) -> Bool { ("0"..."9").contains(s) }

    /// Printable ASCII is shown quoted; anything else (spaces excepted) as U+XXXX, so invisible
    /// characters are visible in the message.
    private static func describe(_ scalar: Unicode.Scalar) -> String {
        if (0x20...0x7E).contains(scalar.value) { return quoted(String(scalar)) }
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    private static func quoted(_ s: String) -> String { "\"" + s + "\"" }
}

/// Why a `domain` value was rejected; `reason` is a short lowercase phrase meant to follow "domain: ".
public struct DomainNameError: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }

    public init(reason: String) { self.reason = reason }
}
