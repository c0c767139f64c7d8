import Foundation

/// A hybrid logical clock stamp: wall-clock milliseconds in the high 48 bits and a logical
/// counter in the low 16 bits, packed into one `UInt64` so that stamps sort as plain integers
/// (and as plain `INTEGER`s in SQLite).
///
/// The counter lets one replica issue many distinct, increasing stamps within the same
/// millisecond; when it overflows it carries into the millisecond part, which keeps the order
/// total without ever going backwards.
public struct HLC: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public init(millis: UInt64, counter: UInt16 = 0) {
        self.rawValue = (millis << 16) | UInt64(counter)
    }

    public static let zero = HLC(rawValue: 0)

    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var millis: UInt64 { rawValue >> 16 }
    public var counter: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    public static func < (lhs: HLC, rhs: HLC) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `2026-11-25T07:58:01.123Z` plus `+N` when the logical counter is not zero.
    public var description: String {
        let base = Timestamp.iso8601(millis: millis)
        return counter == 0 ? base : "\(base)+\(counter)"
    }
}

/// The clock of one replica. Pure: the caller passes the wall-clock reading, so tests and
/// simulations can drive time deterministically.
public struct HybridClock: Sendable {
    /// The greatest stamp this clock has issued or observed.
    public private(set) var last: HLC

    public init(last: HLC = .zero) { self.last = last }

    /// A stamp for a local write: later than everything seen so far, and as close to the wall
    /// clock as that allows.
    public mutating func tick(wallMillis: UInt64) -> HLC {
        let next = max(last.rawValue &+ 1, wallMillis << 16)
        last = HLC(rawValue: next)
        return last
    }

    /// Takes a remote stamp into account so that later local writes order after it.
    public mutating func observe(_ remote: HLC) {
        if remote > last { last = remote }
    }
}

/// Formatting and parsing of instants as used on the command line and in JSON output.
public enum Timestamp {
    /// ISO 8601 UTC with milliseconds, e.g. `2026-11-25T07:58:01.123Z`.
    public static func iso8601(millis: UInt64) -> String {
        let seconds = Int64(millis / 1000)
        let (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (y, m, d) = CalendarDate.civil(fromDays: days)
        let h = secondOfDay / 3600, mi = (secondOfDay % 3600) / 60, s = secondOfDay % 60
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d, h, mi, s, Int(millis % 1000))
    }

    /// Parses `YYYY-MM-DD` (start of that day, UTC), `YYYY-MM-DDTHH:MM[:SS[.fff]]Z`, an offset
    /// such as `+02:00` instead of `Z`, or a plain integer of milliseconds since the epoch.
    public static func parse(_ text: String) -> UInt64? {
        if let ms = UInt64(text) { return ms }
        if let day = CalendarDate(text) { return UInt64(max(0, day.daysSinceEpoch * 86_400_000)) }
        // `…THH:MM` then a zone: the formatters below want seconds, so supply them.
        var text = text
        let bytes = Array(text.utf8)
        if bytes.count > 16, bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"),
           [UInt8(ascii: "Z"), UInt8(ascii: "+"), UInt8(ascii: "-")].contains(bytes[16]) {
            text = String(decoding: bytes[..<16] + Array(":00".utf8) + bytes[16...], as: UTF8.self)
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return UInt64(max(0, date.timeIntervalSince1970 * 1000)) }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return UInt64(max(0, date.timeIntervalSince1970 * 1000)) }
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withTimeZone]
        if let date = formatter.date(from: text) { return UInt64(max(0, date.timeIntervalSince1970 * 1000)) }
        return nil
    }
}
