import Shinchoku
import Testing

@testable import ShinchokuReports

@Suite("Japanese era dates")
struct JapaneseDateTests {
    @Test(
        "As-of labels: 31 March is the end of a fiscal year, any other date its month",
        arguments: [
            ("2021-03-31", "令和2年度末"), ("2020-03-31", "令和元年度末"), ("2019-03-31", "平成30年度末"),
            ("2021-07-31", "令和3年7月"), ("2019-05-01", "令和元年5月"), ("2019-04-30", "平成31年4月"),
            ("1989-01-08", "平成元年1月"), ("1989-01-07", "昭和64年1月"), ("2021-03-30", "令和3年3月"),
        ])
    func asOf(_ date: String, _ label: String) {
        #expect(JapaneseDate.asOf(CalendarDate(date)!) == label)
    }

    @Test("Fiscal years")
    func fiscalYears() {
        #expect(JapaneseDate.fiscalYear(2021) == "令和3年度")
        #expect(JapaneseDate.fiscalYear(2019) == "令和元年度")
        #expect(JapaneseDate.fiscalYear(2018) == "平成30年度")
        #expect(JapaneseDate.fiscalYear(1989) == "平成元年度")
        #expect(JapaneseDate.period(PeriodCode("2021Q1")!) == "令和3年度 第1四半期")
        #expect(JapaneseDate.fullDate(CalendarDate("2021-06-30")!) == "令和3年6月30日")
    }
}
