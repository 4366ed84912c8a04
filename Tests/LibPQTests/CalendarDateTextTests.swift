import LibPQ
import Testing

/// `YYYY-MM-DD`, as PostgreSQL prints a date in ISO style, read and printed from bytes.
@Suite struct CalendarDateTextTests {
    @Test("dates read and print as YYYY-MM-DD", arguments: ["2021-06-30", "2024-02-29", "0999-01-01", "9999-12-31"])
    func roundTrip(_ text: String) throws {
        let date = try #require(CalendarDate(text))
        #expect(date.description == text)
    }

    @Test("the parts are read as numbers")
    func parts() {
        #expect(CalendarDate("2021-06-30") == CalendarDate(year: 2021, month: 6, day: 30))
        #expect(CalendarDate("2021-06-30"[...]) == CalendarDate(year: 2021, month: 6, day: 30))
    }

    @Test(
        "anything but a real YYYY-MM-DD date is refused",
        arguments: [
            "", "2021-6-30", "2021-06-3", "2021/06/30", "2021-06-30 ", " 2021-06-30", "+021-06-30", "2021-13-01",
            "2023-02-29", "2021-06-00", "２０２１-06-30", "2021-06-30T00", "20210630",
        ])
    func refused(_ text: String) {
        #expect(CalendarDate(text) == nil)
    }
}
