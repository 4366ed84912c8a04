import Foundation
import Testing

@testable import Shinchoku

/// The bundled plan and actuals against the prefecture's own report (the seed, kept as a fixture).
/// A wrong target in an official report is a serious bug, so every target and every printed actual is
/// checked against the seed's text, after NFKC normalisation (full-width digits and letters to
/// half-width) and with white space removed.
@Suite struct PlanFidelityTests {
    let plan: PlanFile
    let actuals: ActualsFile
    let seed: String

    init() throws {
        plan = try PlanFile.bundled()
        actuals = try ActualsFile.bundled()
        let url = try #require(Bundle.module.url(forResource: "seed", withExtension: "txt", subdirectory: "Fixtures"))
        seed = Self.normalise(try String(contentsOf: url, encoding: .utf8))
    }

    static func normalise(_ s: String) -> String {
        s.precomposedStringWithCompatibilityMapping.lowercased().filter { !$0.isWhitespace }
    }

    var indicators: [PlanFile.Indicator] { plan.projects.flatMap(\.indicators) }

    @Test func countsAndCodes() {
        #expect(plan.projects.count == 14)
        #expect(indicators.count == 24)
        #expect(plan.programs.count == 9)
        #expect(
            plan.projects.map(\.code) == [
                "1-1", "1-2", "1-3", "1-4", "2", "3", "4", "5-1", "5-2", "5-3", "6", "7", "8", "9",
            ])
        #expect(Set(indicators.map(\.code)).count == 24)
        for p in plan.projects {
            for (i, ind) in p.indicators.enumerated() { #expect(ind.code == "\(p.code).\(i + 1)") }
        }
    }

    @Test func departmentCodesFixedByTheIssue() {
        let owner = Dictionary(uniqueKeysWithValues: plan.projects.map { ($0.code, $0.department) })
        #expect(owner["1-1"] == "ports")
        #expect(owner["1-2"] == "water")
        #expect(owner["1-3"] == "roads")
        #expect(owner["2"] == "dx")
        #expect(owner["5-2"] == "hydrogen")
        #expect(plan.departments.filter(\.approving).map(\.code) == ["planning"])
        #expect(!plan.projects.contains { $0.department == "planning" })
    }

    @Test(arguments: 0..<24) func targetMatchesTheSeed(index: Int) throws {
        let ind = indicators[index]
        let label = Self.normalise(ind.targetLabel)
        let unit = Self.normalise(ind.unit)
        let target = ind.target.text
        let expected: String
        if let baseline = ind.baseline, ind.code.hasPrefix("5-2.") {
            // 5-2 prints its heading as 2019年度 ⇒ 2023年度: baseline ⇒ target.
            expected = "\(label):\(baseline.text)\(unit)⇒\(target)\(unit)"
        } else {
            var tail = ""
            if ind.kind == .periodSum { tail += "/3年" }
            if ind.targetQualifier == .atLeast { tail += "以上" }
            expected = "\(label):\(target)\(unit)\(tail)"
        }
        #expect(seed.contains(expected), "\(ind.code): the seed has no \(expected)")
        #expect(ind.targetFiscalYear == 2023)
    }

    @Test func kindsFollowThePrintedWords() {
        for ind in indicators {
            if ind.targetLabel.contains("累計") { #expect(ind.kind == .cumulative, "\(ind.code)") }
            if ind.unit == "%" { #expect(ind.valueType == .rate && ind.kind == .level, "\(ind.code)") }
        }
    }

    static func asOfLabel(_ d: CalendarDate) -> String {
        if d.month == 3 && d.day == 31 {
            let y = d.year - 1 - 2018
            return "令和\(y == 1 ? "元" : String(y))年度末"
        }
        return "令和\(d.year - 2018)年\(d.month)月"
    }

    @Test func everyPrintedActualIsInTheSeed() throws {
        let units = Dictionary(uniqueKeysWithValues: indicators.map { ($0.code, $0.actualUnit ?? $0.unit) })
        for f in actuals.figures {
            let unit = Self.normalise(try #require(units[f.indicator]))
            switch f.status {
            case .reported:
                let value = try #require(f.value).text
                let expected = Self.normalise("\(value)\(unit)（\(Self.asOfLabel(f.asOf))）")
                #expect(seed.contains(expected), "\(f.indicator) \(f.period): the seed has no \(expected)")
            case .notPublished:
                #expect(seed.contains(Self.normalise("\(Self.asOfLabel(f.asOf))時点の数値は未公表")), "\(f.indicator)")
            case .notAvailable:
                let ind = try #require(indicators.first { $0.code == f.indicator })
                #expect(seed.contains(Self.normalise("\(ind.name)：－／\(ind.target.text)\(ind.unit)")), "\(f.indicator)")
            }
        }
    }

    /// The other direction: the seed prints no actual that the data file lacks.
    @Test func noPrintedActualIsMissing() {
        func occurrences(_ needle: String) -> Int { seed.components(separatedBy: Self.normalise(needle)).count - 1 }
        let q1 = actuals.figures.filter { $0.period == PeriodCode("2021Q1")! && $0.status == .reported }
        let q4 = actuals.figures.filter { $0.period == PeriodCode("2020Q4")! && $0.status == .reported }
        #expect(occurrences("（令和３年７月）") == q1.count)
        #expect(occurrences("（令和２年度末）") == q4.count)
        #expect(occurrences("（令和元年度末）") + occurrences("（令和元年度）") == 2)
        // Those two are baselines, not actuals.
        let baselines = indicators.filter { $0.baseline != nil }.map { ($0.code, $0.baseline!.text) }
        #expect(baselines.map(\.0) == ["2.1", "5-1.1", "5-2.1", "5-2.2"])
        #expect(seed.contains(Self.normalise("０％（令和元年度）")))
        #expect(seed.contains(Self.normalise("９４件（令和元年度末）")))
        #expect(baselines.map(\.1) == ["0", "94", "26", "1"])
    }

    @Test func theIssuesExampleFigures() throws {
        let coal = try #require(indicators.first { $0.code == "1-1.1" })
        #expect(coal.name == "石炭共同輸送実施回数")
        #expect(coal.target == ExactDecimal("35"))
        let actual = try #require(
            actuals.figures.first { $0.indicator == "1-1.1" && $0.period == PeriodCode("2021Q1")! })
        #expect(actual.value == ExactDecimal("1"))
        let water = actuals.figures.filter { $0.indicator == "1-2.1" }.map { $0.value?.text }
        #expect(water == ["4.0", "4.0"])
    }

    @Test func everyProjectHasItsNarrative() {
        #expect(Set(actuals.narratives.map(\.project)) == Set(plan.projects.map(\.code)))
        for n in actuals.narratives {
            #expect([n.progress, n.progressHard, n.progressSoft].contains { !($0 ?? "").isEmpty }, "\(n.project)")
            #expect([n.outlook, n.outlookHard, n.outlookSoft].contains { !($0 ?? "").isEmpty }, "\(n.project)")
        }
    }
}
