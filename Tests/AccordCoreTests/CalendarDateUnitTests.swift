import AccordCore
import Testing

/// `YYYY-MM-DD` is the only accepted date form; a date that does not exist must be refused,
/// not rolled over into the next month as lenient date parsers do.
@Suite("CalendarDate")
struct CalendarDateUnitTests {
    @Test(arguments: ["2019-04-02", "2000-02-29", "2024-02-29", "1999-12-31", "0001-01-01"])
    func acceptsRealDays(text: String) throws {
        let date = try #require(CalendarDate(text))
        #expect(date.description == text)
    }

    @Test(arguments: [
        "2021-02-29", "1900-02-29", "2019-04-31", "2019-13-01", "2019-00-10", "2019-01-00", "2019-01-32",
        "2019-4-2", "19-04-02", "2019/04/02", "02-04-2019", "2019-04-02T10:00", " 2019-04-02", "2019-04-0x", "", "２０１９-04-02",
    ])
    func refusesAnythingElse(text: String) {
        #expect(CalendarDate(text) == nil)
    }

    @Test func ordersChronologically() throws {
        let dates = try ["2019-12-31", "2019-01-02", "2020-01-01", "2019-02-01"].map { try #require(CalendarDate($0)) }
        #expect(dates.sorted().map(\.description) == ["2019-01-02", "2019-02-01", "2019-12-31", "2020-01-01"])
    }

    @Test func daysSinceEpochMatchesKnownDays() throws {
        #expect(try #require(CalendarDate("1970-01-01")).daysSinceEpoch == 0)
        #expect(try #require(CalendarDate("2000-03-01")).daysSinceEpoch == 11_017)
        #expect(try #require(CalendarDate("1969-12-31")).daysSinceEpoch == -1)
    }
}
