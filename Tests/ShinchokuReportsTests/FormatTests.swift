import Foundation
import Shinchoku
import Testing

@testable import ShinchokuReports

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite("Formats on small data")
struct FormatTests {
    typealias F = Fixture

    static var narrative: ReportData.Narrative {
        ReportData.Narrative(
            progress: "■桟橋新設等を実施", progressHard: nil, progressSoft: nil, outlook: nil,
            outlookHard: "■整備を継続",
            outlookSoft: "■協議を行い取組を推進", state: .approved)
    }

    static var data: ReportData {
        F.report([
            F.project(indicators: [F.coal], narrative: narrative),
            F.project(
                code: "5-1", title: "成長産業育成・集積プロジェクト", indicators: [F.commercialised], narrative: nil),
        ])
    }

    /// A report whose figures and narrative await approval, with text that needs escaping.
    static var pendingData: ReportData {
        var coal = F.coal
        coal.name = "石炭 <b>\"共同\" & 'A,B'|輸送*"
        coal.figures = [F.figure("2021Q1", "1", state: .submitted)]
        var n = narrative
        n.state = .submitted
        return F.report([F.project(indicators: [coal], narrative: n)], includePending: true)
    }

    @Test("Content types")
    func contentTypes() {
        #expect(Report.contentType(for: .md) == "text/markdown; charset=utf-8")
        #expect(Report.contentType(for: .html) == "text/html; charset=utf-8")
        #expect(Report.contentType(for: .csv).hasPrefix("text/csv; charset=utf-8"))
        #expect(Report.contentType(for: .json) == "application/json")
        #expect(
            Report.contentType(for: .xlsx) == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        #expect(ReportFormat.allCases.map(\.rawValue) == ["md", "html", "csv", "json", "xlsx"])
    }

    @Test("Every format renders the same bytes twice", arguments: ReportFormat.allCases)
    func deterministic(_ format: ReportFormat) throws {
        let options = ReportOptions(format: format)
        #expect(try Report.render(Self.data, options: options) == Report.render(Self.data, options: options))
    }

    @Test("Markdown: summary table, project page, narrative with sub-headings")
    func markdown() {
        let md = F.rendered(Self.data, .md)
        #expect(md.contains("| No | 指標 | 基準値（時点） | 実績値（時点） | 目標値 | 達成率 | 進捗率 | 期待値 | 状況 |"))
        #expect(
            md.contains(
                "| 1-1 | 石炭共同輸送実施回数 | 0回（計画開始時） | 1回（令和3年7月） | 35回／3年（2023年度） | 2.9％ | 2.9％ | 8.3％ | 順調 |"))
        #expect(
            md.contains(
                "| 5-1 | 事業化案件数（累計） | 94件（令和元年度末） | 111件（令和3年7月） | 105件（2023年度） | 105.7％ | 154.5％ | 31.3％ | 達成 |"
            ))
        #expect(md.contains("## No 1-1 瀬戸内産業競争力・生産性強化プロジェクト"))
        #expect(md.contains("**〔企業の国際競争力強化に資する港湾の機能強化〕**"))
        #expect(md.contains("担当：土木建築部 港湾課"))
        #expect(md.contains("### 【取組目標（指標）2023年度】\n\n石炭共同輸送実施回数：35回／3年"))
        #expect(md.contains("■石炭共同輸送実施回数：1回（令和3年7月）／35回"))
        #expect(md.contains("### 今後の動向等\n\n【ハード面】\\\n■整備を継続\n\n【ソフト面】\\\n■協議を行い取組を推進"))
        #expect(!md.contains("未承認"))
    }

    @Test("Markdown: pending values and narratives are marked; markup is escaped")
    func markdownPending() {
        let md = F.rendered(Self.pendingData, .md)
        #expect(md.contains("1回（令和3年7月）（未承認）／35回"))
        #expect(md.contains("### 進捗状況（未承認）"))
        #expect(md.contains("石炭 \\<b\\>\"共同\" & 'A,B'\\|輸送\\*"))
    }

    @Test("Full-width digits in Markdown")
    func markdownFullWidth() {
        let md = F.rendered(Self.data, .md, fullWidth: true)
        #expect(md.contains("■石炭共同輸送実施回数：１回（令和３年７月）／３５回"))
        #expect(md.contains("■事業化案件数（累計）：９４件（令和元年度末） ⇒ １１１件（令和３年７月）／１０５件（目標）"))
        #expect(md.contains("２．９％"))
    }

    @Test("CSV: BOM, CRLF, header, RFC 4180 quoting, one row per figure period")
    func csv() throws {
        let bytes = Report.textData(Self.pendingData, options: ReportOptions(format: .csv))
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        #expect(text.hasSuffix("\r\n"))
        let rows = text.components(separatedBy: "\r\n").dropLast()
        #expect(
            rows.first
                == "report_period,project,indicator,name,unit,period,status,value,as_of,state,baseline,target,target_fiscal_year,achievement_rate,progress,expected,assessment"
        )
        #expect(
            rows.dropFirst().first
                == "2021Q1,1-1,1-1.1,\"石炭 <b>\"\"共同\"\" & 'A,B'|輸送*\",回,2021Q1,reported,1,2021-07-31,submitted,0,35,2023,2.9,2.9,8.3,on_track"
        )
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
    }

    @Test(
        "CSV: each figure period is assessed as of that period; an indicator without figures has one row"
    )
    func csvSeries() {
        let iot = F.indicator(
            code: "2.3", name: "中小企業のＩｏＴ導入率", unit: "%", kind: .level, target: "24.0",
            figures: [F.figure("2020Q4", "17.4", asOf: "2021-03-31"), F.figure("2021Q1", "18.0")])
        let none = F.indicator(code: "9.1", name: "企業誘致件数", unit: "件", kind: .periodSum, target: "75")
        let data = F.report([F.project(code: "2", indicators: [iot, none])])
        let rows = F.rendered(data, .csv).components(separatedBy: "\r\n")
        #expect(
            rows[1]
                == "2021Q1,2,2.3,中小企業のＩｏＴ導入率,%,2020Q4,reported,17.4,2021-03-31,approved,17.4,24.0,2023,72.5,0.0,0.0,on_track"
        )
        #expect(
            rows[2]
                == "2021Q1,2,2.3,中小企業のＩｏＴ導入率,%,2021Q1,reported,18.0,2021-07-31,approved,17.4,24.0,2023,75.0,9.1,8.3,on_track"
        )
        #expect(rows[3] == "2021Q1,2,9.1,企業誘致件数,件,,,,,,0,75,2023,,,8.3,no_data")
    }

    @Test("JSON: sorted keys, explicit nulls, decimals as strings")
    func json() throws {
        let bytes = Report.textData(Self.data, options: ReportOptions(format: .json))
        let root = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        #expect(root["period"] as? String == "2021Q1")
        #expect(root["as_of"] as? String == "2021-06-30")
        #expect(root["include_pending"] as? Bool == false)
        let projects = try #require(root["projects"] as? [[String: Any]])
        #expect(projects.map { $0["code"] as? String } == ["1-1", "5-1"])
        #expect(projects[1]["narrative"] is NSNull)
        let coal = try #require((projects[0]["indicators"] as? [[String: Any]])?.first)
        #expect(coal["code"] as? String == "1-1.1")
        #expect(coal["achievement_rate"] as? String == "2.9")
        #expect(coal["expected"] as? String == "8.3")
        #expect(coal["status"] as? String == "on_track")
        #expect(coal["kind"] as? String == "period_sum")
        #expect(coal["previous"] is NSNull)
        #expect(coal["target_qualifier"] is NSNull)
        #expect(coal["pending"] as? Bool == false)
        let commercialised = try #require((projects[1]["indicators"] as? [[String: Any]])?.first)
        #expect(commercialised["baseline"] as? String == "94")
        #expect(commercialised["baseline_as_of"] as? String == "2020-03-31")
        #expect(commercialised["progress"] as? String == "154.5")
        #expect(commercialised["status"] as? String == "achieved")
        let narrative = try #require(projects[0]["narrative"] as? [String: Any])
        #expect(narrative["progress_hard"] is NSNull)
        #expect(narrative["pending"] as? Bool == false)

        let text = String(decoding: bytes, as: UTF8.self)
        // A report not read from a database has no audit chain to print.
        #expect(root["audit_chain"] is NSNull)
        #expect(
            text.hasPrefix(
                "{\n  \"as_of\": \"2021-06-30\",\n  \"audit_chain\": null,\n  \"corrections\": null,\n  \"include_pending\": false,\n"
            )
        )
        #expect(text.hasSuffix("}\n"))
    }

    @Test("The audit chain's head: a footer in Markdown and HTML, a key in JSON, not in CSV; the hash stays ASCII")
    func auditChainHead() throws {
        let hash = String(repeating: "0a", count: 32)
        var data = Self.data
        data.auditChain = AuditChainHead(events: 1234, hash: hash, eventID: 1300)
        let line = "監査チェーン先頭：\(hash)（1234件）"
        #expect(F.rendered(data, .md).hasSuffix("\n---\n\n\(line)\n"))
        #expect(F.rendered(data, .md, fullWidth: true).hasSuffix("\n監査チェーン先頭：\(hash)（１２３４件）\n"))
        let footer = "<footer class=\"audit-chain\">\n<p>\(line)</p>\n</footer>"
        #expect(F.rendered(data, .html).hasSuffix(footer + "\n</body>\n</html>\n"))
        #expect(ReportFragment.html(data, options: ReportOptions(format: .html)).hasSuffix(footer + "\n"))
        let root = try #require(
            try JSONSerialization.jsonObject(with: Report.textData(data, options: ReportOptions(format: .json)))
                as? [String: Any])
        let chain = try #require(root["audit_chain"] as? [String: Any])
        #expect(chain["head"] as? String == hash && chain["events"] as? Int == 1234 && chain.count == 2)
        #expect(F.rendered(data, .csv) == F.rendered(Self.data, .csv))
        for format in [ReportFormat.md, .html] {
            #expect(!F.rendered(Self.data, format).contains("監査チェーン"), "no head, no footer")
        }
    }

    @Test("An edition's 正誤表 in every format: after the pages, escaped, and as its own CSV table")
    func corrections() throws {
        var data = Self.data
        data.corrections = ReportData.Corrections(
            edition: 2,
            entries: [
                ReportData.Correction(
                    kind: "figure", code: "1-1.1", name: "1-1.1 石炭<共同>輸送", old: "1回", new: "2回",
                    reason: "集計誤り, 訂正", approvedBy: "審査 太郎")
            ])
        let md = F.rendered(data, .md)
        #expect(md.contains("## 正誤表（第2版）\n\n| 項目 | 誤 | 正 | 再開の理由 | 承認者 |"))
        #expect(md.contains("| 1回 | 2回 | 集計誤り, 訂正 | 審査 太郎 |"))
        let html = F.rendered(data, .html)
        #expect(html.contains("<h2>正誤表（第2版）</h2>"))
        #expect(html.contains("<td>1-1.1 石炭&lt;共同&gt;輸送</td><td>1回</td><td>2回</td>"))
        let csv = F.rendered(data, .csv)
        #expect(csv.hasSuffix("\r\n\r\n正誤表（第2版）\r\n項目,誤,正,再開の理由,承認者\r\n1-1.1 石炭<共同>輸送,1回,2回,\"集計誤り, 訂正\",審査 太郎\r\n"))
        #expect(F.rendered(Self.data, .csv).contains("正誤表") == false)
        let root = try #require(
            try JSONSerialization.jsonObject(with: Report.render(data, options: ReportOptions(format: .json)))
                as? [String: Any])
        let corrections = try #require(root["corrections"] as? [String: Any])
        #expect(corrections["edition"] as? Int == 2)
        let entry = try #require((corrections["entries"] as? [[String: Any]])?.first)
        #expect(entry["old"] as? String == "1回" && entry["new"] as? String == "2回")
        #expect(entry["reason"] as? String == "集計誤り, 訂正" && entry["approved_by"] as? String == "審査 太郎")
    }

    @Test("JSON: pending values say so")
    func jsonPending() throws {
        let bytes = Report.textData(Self.pendingData, options: ReportOptions(format: .json))
        let root = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        #expect(root["include_pending"] as? Bool == true)
        let project = try #require((root["projects"] as? [[String: Any]])?.first)
        let indicator = try #require((project["indicators"] as? [[String: Any]])?.first)
        #expect(indicator["pending"] as? Bool == true)
        #expect(indicator["name"] as? String == "石炭 <b>\"共同\" & 'A,B'|輸送*")
        #expect((project["narrative"] as? [String: Any])?["pending"] as? Bool == true)
    }

    @Test("JSON strings escape quotes, backslashes and control characters")
    func jsonEscaping() {
        #expect(JSONValue.quote("a\"b\\c\nd\u{01}é") == "\"a\\\"b\\\\c\\nd\\u0001é\"")
        let v = JSONValue.object(["b": .null, "a": .array([]), "c": .object([:])])
        #expect(v.serialized() == "{\n  \"a\": [],\n  \"b\": null,\n  \"c\": {}\n}")
    }

    @Test("HTML: self-contained, print stylesheet, status by colour and text, escaped")
    func html() throws {
        let html = F.rendered(Self.pendingData, .html)
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"ja\">"))
        #expect(html.contains("@page { size: A4; margin: 15mm; }"))
        #expect(html.contains("break-before: page"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("<link"))
        #expect(!html.contains("src=\"http"))
        #expect(html.contains("<span class=\"status status-on_track\">順調</span>"))
        #expect(html.contains("石炭 &lt;b&gt;&quot;共同&quot; &amp; &#39;A,B&#39;|輸送*"))
        #expect(!html.contains("<b>"))
        #expect(html.contains("1回（令和3年7月）<span class=\"badge-pending\">（未承認）</span>／35回"))
        #expect(html.contains("data-pending=\"true\""))
        try HTMLCheck.wellFormed(html)
    }

    @Test("The well-formedness check rejects broken markup")
    func wellFormedCheck() {
        #expect(throws: (any Error).self) { try HTMLCheck.wellFormed("<html><p><b>x</p></b></html>") }
        #expect(throws: (any Error).self) { try HTMLCheck.wellFormed("<html><p>a & b</p></html>") }
        #expect(throws: Never.self) {
            try HTMLCheck.wellFormed("<html lang=\"ja\"><p>a &amp; b<br/></p></html>")
        }
    }

    @Test("HTML chart: points, target line and dashed expected line")
    func chart() throws {
        let html = F.rendered(Self.data, .html)
        let charts = try HTMLCheck.charts(html)
        #expect(charts["1-1.1"]?.map(\.period) == ["2021Q1"])
        #expect(charts["1-1.1"]?.map(\.value) == ["1"])
        #expect(charts["5-1.1"]?.map(\.value) == ["111"])
        #expect(html.contains("class=\"target\""))
        #expect(html.contains("class=\"expected\""))
        #expect(html.contains("stroke-dasharray=\"6 4\""))
        #expect(html.contains("2021年度"))
    }

    @Test("Nice axis steps")
    func niceSteps() {
        #expect(IndicatorChart.niceStep(Decimal(string: "8.75")!) == 10)
        #expect(IndicatorChart.niceStep(Decimal(string: "27.75")!) == 50)
        #expect(IndicatorChart.niceStep(Decimal(string: "1.35")!) == 2)
        #expect(IndicatorChart.niceStep(Decimal(string: "0.3")!) == Decimal(string: "0.5")!)
        #expect(IndicatorChart.niceStep(0) == 1)
    }
}

/// Checks on rendered HTML without a browser.
enum HTMLCheck {
    struct Point: Equatable {
        var period: String
        var value: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses the document as XML (the report is written to be well-formed) with FoundationXML's
    /// `XMLParser`, which, unlike `XMLDocument` on Linux, fails on errors; and checks tag balance.
    static func wellFormed(_ html: String) throws {
        let parser = XMLParser(data: Data(html.utf8))
        guard parser.parse() else {
            throw Failure(
                description:
                    "not well-formed at line \(parser.lineNumber): \(parser.parserError.map { "\($0)" } ?? "")"
            )
        }
        try balancedTags(html)
    }

    /// Every opened element is closed in order (void elements are written self-closing).
    static func balancedTags(_ html: String) throws {
        var stack: [String] = []
        var rest = Substring(html)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else {
                throw Failure(description: "unclosed <")
            }
            let tag = rest[rest.index(after: open)..<close]
            rest = rest[rest.index(after: close)...]
            if tag.hasPrefix("!") || tag.hasSuffix("/") { continue }
            if tag.hasPrefix("/") {
                let name = String(tag.dropFirst().prefix { !$0.isWhitespace })
                guard stack.last == name else {
                    throw Failure(description: "</\(name)> closes <\(stack.last ?? "nothing")>")
                }
                stack.removeLast()
            } else {
                stack.append(String(tag.prefix { !$0.isWhitespace }))
            }
        }
        guard stack.isEmpty else { throw Failure(description: "unclosed: \(stack)") }
    }

    /// The points of each chart, keyed by its `data-indicator`.
    static func charts(_ html: String) throws -> [String: [Point]] {
        var out: [String: [Point]] = [:]
        for chunk in html.components(separatedBy: "<svg ").dropFirst() {
            let svg = chunk.components(separatedBy: "</svg>")[0]
            guard let code = attribute("data-indicator", in: svg) else {
                throw Failure(description: "svg without data-indicator")
            }
            out[code] = svg.components(separatedBy: "<circle ").dropFirst().map {
                Point(
                    period: attribute("data-period", in: $0) ?? "",
                    value: attribute("data-value", in: $0) ?? "")
            }
        }
        return out
    }

    static func attribute(_ name: String, in text: String) -> String? {
        guard let range = text.range(of: " \(name)=\"") else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }
}
