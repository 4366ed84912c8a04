import Foundation
import Shinchoku
import Testing

@testable import ShinchokuReports

/// The FY2021 Q1 report of the bundled plan and actuals, against golden files and the prefecture's own report.
///
/// Run with `SHINCHOKU_UPDATE_GOLDEN=1` to rewrite the golden files in the source tree.
@Suite("Golden: the FY2021 Q1 report")
struct GoldenTests {
    static func data() throws -> ReportData {
        var data = ReportData.fromFiles(
            plan: try .bundled(), actuals: try .bundled(), period: PeriodCode("2021Q1")!, auditChain: auditChain)
        // Provenance as a database gives it, so that the golden files show the JSON's fields and the HTML's appendix.
        for p in data.projects.indices {
            for i in data.projects[p].indicators.indices {
                for f in data.projects[p].indicators[i].figures.indices
                where data.projects[p].indicators[i].figures[f].period == data.period {
                    data.projects[p].indicators[i].figures[f].provenance = ReportData.Provenance(
                        enteredBy: "担当 " + data.projects[p].departmentCode,
                        submittedAt: Date(timeIntervalSince1970: 1_626_000_000),
                        approvedBy: "政策企画課 審査担当", approvedAt: Date(timeIntervalSince1970: 1_626_100_000))
                }
            }
        }
        return data
    }

    /// A head as a database would give it, so that the golden files show where a report prints it.
    static let auditChain = AuditChainHead(
        events: 1234, hash: "9f2c" + String(repeating: "0123456789abcdef", count: 3) + "0123456789ab", eventID: 1240)

    static func golden(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.resourceURL).appendingPathComponent("Golden")
            .appendingPathComponent(name)
        return try Data(contentsOf: url)
    }

    static var updating: Bool {
        ProcessInfo.processInfo.environment["SHINCHOKU_UPDATE_GOLDEN"] == "1"
    }

    @Test("The report matches its golden file byte for byte", arguments: ReportFormat.allCases.filter { !$0.isBinary })
    func matchesGolden(_ format: ReportFormat) throws {
        let name = "report-2021Q1.\(format.rawValue)"
        let bytes = Report.textData(try Self.data(), options: ReportOptions(format: format))
        if Self.updating {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Golden").appendingPathComponent(name)
            try bytes.write(to: url)
            return
        }
        let expected = try Self.golden(name)
        if bytes != expected {
            let got = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\n")
            let want = String(decoding: expected, as: UTF8.self).components(separatedBy: "\n")
            let n = Array(zip(got, want)).firstIndex { $0.0 != $0.1 } ?? min(got.count, want.count)
            Issue.record(
                "\(name) differs at line \(n + 1):\n  got:  \(n < got.count ? got[n] : "<end>")\n  want: \(n < want.count ? want[n] : "<end>")\nRegenerate with SHINCHOKU_UPDATE_GOLDEN=1 if the change is intended."
            )
        }
    }

    @Test("Rendering twice gives identical bytes", arguments: ReportFormat.allCases)
    func deterministic(_ format: ReportFormat) throws {
        let data = try Self.data()
        for fullWidth in [false, true] {
            let options = ReportOptions(format: format, fullWidthDigits: fullWidth)
            #expect(try Report.render(data, options: options) == Report.render(data, options: options))
        }
    }

    /// The ■ lines of the seed's 指標（実績値／目標値） blocks, a line ending in `：` joined with the next.
    static func seedIndicatorLines() throws -> [String] {
        let seed = String(decoding: try golden("seed.txt"), as: UTF8.self)
        var out: [String] = []
        var inBlock = false
        var open: String?
        for raw in seed.components(separatedBy: .newlines) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if let r = line.range(of: "（実績値／目標値）"), line.hasPrefix("（実績値／目標値）") {
                inBlock = true
                line = String(line[r.upperBound...]).trimmingCharacters(in: .whitespaces)
            } else if line.hasPrefix("今後の動向等") || line.hasPrefix("進捗状況") || line.hasPrefix("【") {
                inBlock = false
            }
            guard inBlock, !line.isEmpty else { continue }
            if let start = open {
                out.append(start + line)
                open = nil
            } else if line.hasPrefix("■") {
                if line.hasSuffix("：") { open = line } else { out.append(line) }
            }
        }
        return out
    }

    /// NFKC (full-width to half-width), Latin letters in lower case, no whitespace.
    static func normalized(_ s: String) -> String {
        s.precomposedStringWithCompatibilityMapping.lowercased().filter { !$0.isWhitespace }
    }

    @Test("The seed has 24 indicator lines")
    func seedLines() throws {
        let lines = try Self.seedIndicatorLines()
        #expect(lines.count == 24)
        #expect(lines.first == "■石炭共同輸送実施回数：１回（令和３年７月）／３５回")
        #expect(lines.contains("■工業用水道管路の更新整備延長（累計）：４．０ｋｍ（令和２年度末） ⇒ ４．０ｋｍ（令和３年７月）／５．４ｋｍ"))
    }

    @Test(
        "The Markdown report has every indicator line of the prefecture's report",
        arguments: [false, true])
    func seedLinesInMarkdown(_ fullWidth: Bool) throws {
        let md = String(
            decoding: Report.textData(
                try Self.data(), options: ReportOptions(format: .md, fullWidthDigits: fullWidth)),
            as: UTF8.self)
        let haystack = Self.normalized(md)
        for line in try Self.seedIndicatorLines() {
            #expect(haystack.contains(Self.normalized(line)), "missing: \(line)")
        }
    }

    @Test("Full-width digits print as the seed does")
    func fullWidthMarkdown() throws {
        let md = String(
            decoding: Report.textData(
                try Self.data(), options: ReportOptions(format: .md, fullWidthDigits: true)),
            as: UTF8.self)
        #expect(md.contains("■石炭共同輸送実施回数：１回（令和３年７月）／３５回"))
        #expect(md.contains("■工業用水道管路の更新整備延長（累計）：４．０km（令和２年度末） ⇒ ４．０km（令和３年７月）／５．４km"))
        #expect(md.contains("■中小企業のＩｏＴ導入率：１７．４％（令和２年度末）／２４％"))
        #expect(md.contains("中小企業のＩｏＴ導入率：２４．０％"))
        #expect(md.contains("■５Ｇ基盤展開率：０％（令和元年度）／９８％以上 （※令和２年度末時点の数値は未公表）"))
    }

    @Test("The HTML report is well-formed and charts every indicator's figures")
    func htmlCharts() throws {
        let data = try Self.data()
        let html = String(
            decoding: Report.textData(data, options: ReportOptions(format: .html)), as: UTF8.self)
        try HTMLCheck.wellFormed(html)
        let charts = try HTMLCheck.charts(html)
        let indicators = data.projects.flatMap(\.indicators)
        #expect(indicators.count == 24)
        #expect(charts.count == 24)
        for i in indicators {
            let expected = i.figures.filter { $0.status == .reported }.compactMap { f in
                f.value.map { HTMLCheck.Point(period: f.period.description, value: $0.text) }
            }
            #expect(charts[i.code] == expected, "chart of \(i.code)")
        }
        #expect(
            charts["1-2.1"] == [
                .init(period: "2020Q4", value: "4.0"), .init(period: "2021Q1", value: "4.0"),
            ])
        #expect(charts["2.1"] == [])
    }

    @Test("The assessments of the seed's worked examples")
    func workedExamples() throws {
        let all = Dictionary(
            uniqueKeysWithValues: Report.assessments(try Self.data()).map { ($0.code, $0.assessment) })
        let coal = try #require(all["1-1.1"])
        #expect(coal.achievementRate.map(IndicatorAssessor.percentText) == "2.9")
        #expect(IndicatorAssessor.percentText(coal.expected) == "8.3")
        #expect(coal.status == .onTrack)
        let commercialised = try #require(all["5-1.1"])
        #expect(commercialised.progress.map(IndicatorAssessor.percentText) == "154.5")
        #expect(IndicatorAssessor.percentText(commercialised.expected) == "31.3")
        #expect(commercialised.status == .achieved)
        #expect(all["2.1"]?.status == .notPublished)
        #expect(all["7.2"]?.status == .notPublished)
    }
}
