import Shinchoku

/// Dates in the Japanese era calendar, as the prefecture prints them.
public enum JapaneseDate {
    /// An era and the year within it.
    public struct EraYear: Sendable, Equatable {
        public var era: String
        public var year: Int

        /// `令和3年`, with `元年` for the first year.
        public var text: String { "\(era)\(year == 1 ? "元" : String(year))年" }
    }

    private static let eras: [(name: String, start: (year: Int, month: Int, day: Int))] = [
        ("令和", (2019, 5, 1)),
        ("平成", (1989, 1, 8)),
        ("昭和", (1926, 12, 25)),
        ("大正", (1912, 7, 30)),
        ("明治", (1868, 1, 25)),
    ]

    /// The era and era year of a date (`2019-04-30` is 平成31年, `2019-05-01` 令和元年).
    public static func eraYear(of date: CalendarDate) -> EraYear {
        for era in eras {
            let s = era.start
            if (date.year, date.month, date.day) >= (s.year, s.month, s.day) {
                return EraYear(era: era.name, year: date.year - s.year + 1)
            }
        }
        return EraYear(era: "西暦", year: date.year)
    }

    /// The era year a fiscal year is named by: the era in force at the end of its first calendar year, so
    /// FY2019 is 令和元年度 and FY1989 平成元年度.
    public static func eraYear(ofFiscalYear fiscalYear: Int) -> EraYear {
        eraYear(of: CalendarDate(year: fiscalYear, month: 12, day: 31)!)
    }

    /// `令和3年度`.
    public static func fiscalYear(_ fiscalYear: Int) -> String {
        eraYear(ofFiscalYear: fiscalYear).text + "度"
    }

    /// `令和3年7月`.
    public static func yearMonth(_ date: CalendarDate) -> String {
        "\(eraYear(of: date).text)\(date.month)月"
    }

    /// `令和3年6月30日`.
    public static func fullDate(_ date: CalendarDate) -> String {
        "\(eraYear(of: date).text)\(date.month)月\(date.day)日"
    }

    /// How a figure's as-of prints: 31 March is the end of the fiscal year that closes then
    /// (`令和2年度末` for 2021-03-31), any other date its month (`令和3年7月`).
    public static func asOf(_ date: CalendarDate) -> String {
        if date.month == 3 && date.day == 31 {
            return fiscalYear(date.year - 1) + "末"
        }
        return yearMonth(date)
    }

    /// `令和3年度 第1四半期`.
    public static func period(_ period: PeriodCode) -> String {
        "\(fiscalYear(period.fiscalYear)) 第\(period.quarter)四半期"
    }
}
