import Foundation
import Shinchoku
import Testing

@testable import ShinchokuReports

@Suite("Indicator and target lines")
struct ReportTextTests {
    typealias F = Fixture
    let text = ReportText(fullWidthDigits: false, planStartFiscalYear: 2021)

    func line(_ i: ReportData.Indicator, _ t: ReportText? = nil) -> String {
        ReportText.plain((t ?? text).indicatorLine(i, F.assess(i)))
    }

    @Test("A plain line: value, as-of, target")
    func plain() {
        #expect(line(F.coal) == "■石炭共同輸送実施回数：1回（令和3年7月）／35回")
    }

    @Test("With the plan's baseline as the earlier value, and a target note")
    func explicitBaseline() {
        #expect(line(F.commercialised) == "■事業化案件数（累計）：94件（令和元年度末） ⇒ 111件（令和3年7月）／105件（目標）")
    }

    @Test("The previous figure wins over the plan's baseline; values keep their scale")
    func previousFigure() {
        let i = F.indicator(
            name: "工業用水道管路の更新整備延長（累計）", unit: "km", baseline: "3.0", baselineAsOf: "2020-03-31",
            target: "5.4",
            figures: [F.figure("2020Q4", "4.0", asOf: "2021-03-31"), F.figure("2021Q1", "4.0")])
        #expect(line(i) == "■工業用水道管路の更新整備延長（累計）：4.0km（令和2年度末） ⇒ 4.0km（令和3年7月）／5.4km")
    }

    @Test("The actual unit may differ from the target's")
    func actualUnit() {
        let i = F.indicator(
            name: "「やまぐちヘルスラボ」会員数", unit: "人", actualUnit: "名", kind: .level, target: "200",
            figures: [F.figure("2021Q1", "101")])
        #expect(line(i) == "■「やまぐちヘルスラボ」会員数：101名（令和3年7月）／200人")
    }

    @Test("Not published with a baseline label; % printed as ％; the note's digits follow the option")
    func notPublished() {
        let i = F.indicator(
            name: "５Ｇ基盤展開率", unit: "%", kind: .level, baseline: "0", baselineAsOf: "2020-03-31",
            baselineLabel: "令和元年度", target: "98", qualifier: .atLeast,
            figures: [
                F.figure("2020Q4", nil, asOf: "2021-03-31", status: .notPublished, note: "令和２年度末時点の数値は未公表")
            ])
        #expect(line(i) == "■５Ｇ基盤展開率：0％（令和元年度）／98％以上 （※令和2年度末時点の数値は未公表）")
        let full = ReportText(fullWidthDigits: true, planStartFiscalYear: 2021)
        #expect(line(i, full) == "■５Ｇ基盤展開率：０％（令和元年度）／９８％以上 （※令和２年度末時点の数値は未公表）")
        var noNote = i
        noNote.figures[0].note = nil
        #expect(line(noNote) == "■５Ｇ基盤展開率：0％（令和元年度）／98％以上 （※令和2年度末時点の数値は未公表）")
    }

    @Test("Not available")
    func notAvailable() {
        let i = F.indicator(
            name: "地域経済牽引事業による付加価値増加額", unit: "億円", kind: .periodSum, target: "115",
            figures: [F.figure("2021Q1", nil, status: .notAvailable, note: "－（未集計）")])
        #expect(line(i) == "■地域経済牽引事業による付加価値増加額：－／115億円")
    }

    @Test("No data")
    func noData() {
        let i = F.indicator(name: "企業誘致件数", unit: "件", kind: .periodSum, target: "75")
        #expect(line(i) == "■企業誘致件数：実績なし／75件")
    }

    @Test("Targets drop trailing fractional zeros in the indicator line, not under the 取組目標 heading")
    func targetScale() {
        let i = F.indicator(
            name: "中小企業のＩｏＴ導入率", unit: "%", kind: .level, target: "24.0",
            figures: [F.figure("2020Q4", "17.4", asOf: "2021-03-31")])
        #expect(line(i) == "■中小企業のＩｏＴ導入率：17.4％（令和2年度末）／24％")
        #expect(text.targetLine(i, heading: "【取組目標（指標）2023年度】") == "中小企業のＩｏＴ導入率：24.0％")
        #expect(ReportText.trimmed("5.40") == "5.4")
        #expect(ReportText.trimmed("100") == "100")
        #expect(ReportText.trimmed("10.00") == "10")
    }

    @Test("取組目標 lines: ／3年 for a period sum, ⇒ where the heading has it, 以上")
    func targetLines() {
        #expect(text.targetLine(F.coal, heading: "【取組目標（指標）2023年度】") == "石炭共同輸送実施回数：35回／3年")
        let hydrogen = F.indicator(
            name: "事業化案件数（累計）", unit: "件", baseline: "26", baselineAsOf: "2020-03-31", target: "34")
        #expect(
            text.targetLine(hydrogen, heading: "【取組目標（指標）2019年度 ⇒ 2023年度】") == "事業化案件数（累計）:26件 ⇒ 34件")
        let fiveG = F.indicator(
            name: "５Ｇ基盤展開率", unit: "%", kind: .level, target: "98", qualifier: .atLeast)
        #expect(text.targetLine(fiveG, heading: "【取組目標（指標）2023年度】") == "５Ｇ基盤展開率：98％以上")
        let full = ReportText(fullWidthDigits: true, planStartFiscalYear: 2021)
        #expect(full.targetLine(F.coal, heading: "【取組目標（指標）2023年度】") == "石炭共同輸送実施回数：３５回／３年")
    }

    @Test("Full-width digits and decimal points in numbers and dates")
    func fullWidth() {
        let full = ReportText(fullWidthDigits: true, planStartFiscalYear: 2021)
        #expect(line(F.coal, full) == "■石炭共同輸送実施回数：１回（令和３年７月）／３５回")
        #expect(full.number(F.number("1.0")) == "１．０")
        #expect(full.percent(Decimal(string: "2.857")!) == "２．９％")
        #expect(full.storedDigits("令和２年度末") == "令和２年度末")
        #expect(text.storedDigits("１．０ｋｍ。次．") == "1.0ｋｍ。次．")
    }

    @Test("Pending figures are marked")
    func pending() {
        let i = F.indicator(kind: .periodSum, figures: [F.figure("2021Q1", "1", state: .submitted)])
        #expect(line(i) == "■石炭共同輸送実施回数：1回（令和3年7月）（未承認）／35回")
    }

    @Test("Narrative blocks split into printed lines, with ハード面 and ソフト面 headings")
    func narrative() {
        let blocks = ReportText.narrativeBlocks(general: "■a\n\n・b", hard: "■c", soft: nil)
        #expect(blocks.count == 2)
        #expect(blocks[0].heading == nil)
        #expect(blocks[0].lines == ["■a", "・b"])
        #expect(blocks[1].heading == "【ハード面】")
    }
}
