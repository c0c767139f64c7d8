/// RFC 3492 Punycode: the Bootstring encoding that turns a Unicode domain label into the
/// ASCII-only form carried after the "xn--" prefix.
///
/// Both directions work on Unicode scalars (code points), never on `Character`s, because the
/// algorithm counts and inserts code points; grapheme clusters would change the positions.
/// Arithmetic follows the RFC's reference implementation, which uses 32-bit unsigned integers:
/// we compute in `Int` but fail wherever the reference would overflow, so every implementation
/// agrees on which inputs are rejected.
public enum Punycode {
    // Bootstring parameters for Punycode (RFC 3492 section 5).
    private static let base = 36
    private static let tMin = 1
    private static let tMax = 26
    private static let skew = 38
    private static let damp = 700
    private static let initialBias = 72
    private static let initialN = 128
    private static let delimiter = UInt8(ascii: "-")
    /// The reference implementation's `maxint` (32-bit unsigned).
    private static let maxInt = Int(UInt32.max)

    /// Encodes a Unicode label (no "xn--" prefix) to its Punycode form; nil if it cannot be encoded (overflow).
    ///
    /// Basic (ASCII) code points are copied as they are, case included, so that decoding gives
    /// back exactly the input; the variable-length digits are always lowercase letters and
    /// decimal digits (no mixed-case annotation). Overflow only happens for labels far longer
    /// than any DNS label.
    public static func encode(_ label: String) -> String? {
        let input = label.unicodeScalars.map { Int($0.value) }
        var output: [UInt8] = input.compactMap { $0 < 0x80 ? UInt8($0) : nil }
        let basicCount = output.count
        if basicCount > 0 { output.append(delimiter) }

        var n = initialN
        var delta = 0
        var bias = initialBias
        var handled = basicCount
        while handled < input.count {
            // The smallest code point not yet handled; one always exists while handled < count.
            guard let m = input.lazy.filter({ $0 >= n }).min() else { return nil }
            guard (m - n) <= (maxInt - delta) / (handled + 1) else { return nil }
            delta += (m - n) * (handled + 1)
            n = m
            for c in input {
                if c < n {
                    delta += 1
                    guard delta <= maxInt else { return nil }
                }
                guard c == n else { continue }
                var q = delta
                var k = base
                while true {
                    let t = threshold(k, bias: bias)
                    if q < t { break }
                    output.append(digit(t + (q - t) % (base - t)))
                    q = (q - t) / (base - t)
                    k += base
                }
                output.append(digit(q))
                bias = adapt(delta, count: handled + 1, first: handled == basicCount)
                delta = 0
                handled += 1
            }
            delta += 1
            n += 1
            guard delta <= maxInt, n <= maxInt else { return nil }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes a Punycode label (no "xn--" prefix) to Unicode; throws PunycodeError on malformed input.
    ///
    /// Digits are accepted in either case. Everything before the last "-" must be ASCII and is
    /// copied verbatim. A digit sequence that stops mid-number, or that produces a surrogate or a
    /// value beyond U+10FFFF, is `badInput`: such a label cannot stand for any Unicode string.
    public static func decode(_ label: String) throws(PunycodeError) -> String {
        let input = Array(label.utf8)
        let basicEnd = input.lastIndex(of: delimiter) ?? 0
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(input.count)
        for byte in input[..<basicEnd] {
            guard byte < 0x80 else { throw .invalidCharacter }
            output.append(Unicode.Scalar(byte))
        }

        var n = initialN
        var i = 0
        var bias = initialBias
        var position = basicEnd > 0 ? basicEnd + 1 : 0
        while position < input.count {
            let oldI = i
            var weight = 1
            var k = base
            while true {
                guard position < input.count else { throw .badInput }
                guard let d = digitValue(input[position]) else { throw .invalidCharacter }
                position += 1
                guard d <= (maxInt - i) / weight else { throw .overflow }
                i += d * weight
                let t = threshold(k, bias: bias)
                if d < t { break }
                guard weight <= maxInt / (base - t) else { throw .overflow }
                weight *= base - t
                k += base
            }
            let count = output.count + 1
            bias = adapt(i - oldI, count: count, first: oldI == 0)
            guard i / count <= maxInt - n else { throw .overflow }
            n += i / count
            i %= count
            guard let value = UInt32(exactly: n), let scalar = Unicode.Scalar(value) else { throw .badInput }
            output.insert(scalar, at: i)
            i += 1
        }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: output)
        return String(scalars)
    }

    /// Bias adaptation (RFC 3492 section 6.1): keeps the digit thresholds suited to the deltas seen so far.
    private static func adapt(_ delta: Int, count: Int, first: Bool) -> Int {
        var delta = first ? delta / damp : delta / 2
        delta += delta / count
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }

    /// The threshold t for digit position k, clamped to [tMin, tMax].
    private static func threshold(_ k: Int, bias: Int) -> Int {
        if k <= bias { return tMin }
        if k >= bias + tMax { return tMax }
        return k - bias
    }

    /// The ASCII byte for digit value 0...35: "a"..."z" then "0"..."9".
    private static func digit(_ value: Int) -> UInt8 {
        value < 26 ? UInt8(ascii: "a") + UInt8(value) : UInt8(ascii: "0") + UInt8(value - 26)
    }

    /// The digit value of an ASCII byte, letters in either case; nil for anything else.
    private static func digitValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"): Int(byte - UInt8(ascii: "a"))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int(byte - UInt8(ascii: "A"))
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0")) + 26
        default: nil
        }
    }
}

/// Why a Punycode label could not be decoded.
public enum PunycodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A non-ASCII character in the input, or a character that is not a base-36 digit after the delimiter.
    case invalidCharacter
    /// A value exceeded the 32-bit range of the reference algorithm.
    case overflow
    /// The digits end in the middle of a number, or decode to something that is not a Unicode scalar.
    case badInput

    public var description: String {
        switch self {
        case .invalidCharacter: "invalid character"
        case .overflow: "overflow"
        case .badInput: "bad input"
        }
    }
}
