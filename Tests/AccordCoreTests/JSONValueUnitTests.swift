import AccordCore
import Testing

/// Accord parses JSON itself so that a record with a duplicated key (an ambiguous value) is
/// refused instead of silently keeping one of them, and serialises it deterministically so that
/// replicas holding the same records print the same bytes.
@Suite("JSONValue")
struct JSONValueUnitTests {
    private func parseError(_ text: String) -> JSONParseError? {
        do {
            let value = try JSONValue.parse(text)
            Issue.record("parsed \(text.debugDescription) as \(value.serialized)")
            return nil
        } catch {
            return error
        }
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONValue.parse(#" {"a": [1, -2, 3.5, 1e3, true, false, null], "b": {"c": "d"}, "e": ""} "#)
        #expect(value == .object([
            "a": .array([.int(1), .int(-2), .number("3.5"), .number("1e3"), .bool(true), .bool(false), .null]),
            "b": .object(["c": .string("d")]),
            "e": .string(""),
        ]))
    }

    @Test func duplicateKeysAreRefusedWithTheKeyAndItsOffset() throws {
        let error = try #require(parseError(#"{"domain": "a.com", "domain": "b.com"}"#))
        #expect(error.reason.contains("duplicate key \"domain\""))
        #expect(error.offset == 20)
        #expect(error.description.contains("byte 21"))
    }

    @Test func duplicateKeysAreRefusedAtAnyDepth() {
        #expect(parseError(#"[{"x": {"k": 1, "k": 1}}]"#)?.reason.contains("duplicate") == true)
        // Keys equal after unescaping are the same key.
        #expect(parseError(#"{"a": 1, "\u0061": 2}"#)?.reason.contains("duplicate") == true)
    }

    @Test(arguments: [
        #"{"a": 1} x"#, #"{"a": 1}{"b": 2}"#, "1 2", #""a" ,"#, "[1]]", "null null",
    ])
    func trailingGarbageIsRefused(text: String) throws {
        let error = try #require(parseError(text))
        #expect(error.reason.contains("after the document"), "\(error)")
    }

    @Test(arguments: [
        "", "   ", "{", "[1, 2", #"{"a" 1}"#, #"{"a": }"#, #"{a: 1}"#, "[1,]", #"{"a": 1,}"#, "tru", "nul", "True",
        #""unterminated"#, "\"tab\there\"", #""bad \x escape""#, #""\u12""#, #""\ud800""#, #""\ud800\u0041""#, #""\udc00""#,
        "-", "--1", "1-2", "1e", "1.5.5", "+1", ".5", "01", "-01", "00", "1.", "1.e5", "0x10", "NaN", "Infinity", "'single'",
    ])
    func malformedDocumentsAreRefused(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    /// A number is reported with its offset and text, and what is accepted is valid JSON again.
    @Test func numbersFollowTheRFCGrammar() throws {
        #expect(parseError("[1, 01]")?.offset == 4)
        #expect(parseError("1.")?.reason.contains("malformed number") == true)
        for text in ["0", "-0", "0.5", "-0.5e-7", "1E+2", "10", "123e4"] {
            let value = try JSONValue.parse(text)
            #expect(value.serialized == text || value == .int(0))
            #expect(try JSONValue.parse(value.serialized) == value)
        }
    }

    @Test func invalidUTF8InAStringIsRefused() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func nestingIsBoundedSoHostileInputCannotExhaustTheStack() {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(parseError(deep)?.reason.contains("nesting") == true)
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect((try? JSONValue.parse(fine)) != nil)
    }

    @Test func escapesAndSurrogatePairsDecode() throws {
        #expect(try JSONValue.parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
        #expect(try JSONValue.parse(#""\u00e9\u4e2d\ud83c\udfac""#) == .string("é中🎬"))
        #expect(try JSONValue.parse("\"漫画\"") == .string("漫画"))
    }

    @Test func integersOutsideInt64AreKeptAsWritten() throws {
        #expect(try JSONValue.parse("9223372036854775807") == .int(.max))
        #expect(try JSONValue.parse("-9223372036854775808") == .int(.min))
        #expect(try JSONValue.parse("9223372036854775808") == .number("9223372036854775808"))
    }

    /// Keys sorted by UTF-8 bytes, no spaces, non-ASCII as UTF-8: the same on every platform.
    @Test func serialisationIsCompactAndKeySorted() throws {
        let value = JSONValue.object(["b": .int(1), "a": .array([.null, .bool(true)]), "é": .string("中"), "Z": .number("2.5")])
        #expect(value.serialized == #"{"Z":2.5,"a":[null,true],"b":1,"é":"中"}"#)
    }

    @Test func controlCharactersAndQuotesAreEscaped() {
        #expect(JSONValue.string("a\"b\\c\nd\re\tf\u{01}g\u{1F}").serialized == #""a\"b\\c\nd\re\tf\u0001g\u001f""#)
    }

    /// parse(serialize(v)) == v and serialisation is stable: what `list --json` relies on.
    @Test func serialisationRoundTrips() throws {
        let documents = [
            #"{"title":"通过宣传树立尊重工业产权意识","organizers":["JIPO","WIPO"],"participant_count":null,"n":-7,"x":1.25e-3}"#,
            #"[{"a":{"b":{"c":[]}}},{},"\u0000 nul and \u2028"]"#,
        ]
        for text in documents {
            let value = try JSONValue.parse(text)
            let once = value.serialized
            #expect(try JSONValue.parse(once) == value)
            #expect(try JSONValue.parse(once).serialized == once)
        }
    }

    @Test func subscriptReadsObjectMembersOnly() {
        let value = JSONValue.object(["a": .int(1)])
        #expect(value["a"] == .int(1))
        #expect(value["b"] == nil)
        #expect(JSONValue.array([.int(1)])["a"] == nil)
    }

    @Test func prettyPrintingParsesBackToTheSameValue() throws {
        let value = try JSONValue.parse(#"{"properties":{"a":{"type":["string","null"]}},"required":["a"],"x":[{"k":1}]}"#)
        #expect(try JSONValue.parse(value.prettyPrinted) == value)
        #expect(value.prettyPrinted.contains("\n  \"properties\": {"))
    }
}
