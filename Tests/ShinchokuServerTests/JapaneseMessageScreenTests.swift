import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Shinchoku
import ShinchokuServer
import TestSupport
import Testing

/// The figure form says what is wrong, and how to fix it, in Japanese; the API keeps its English messages.
@Suite("Japanese messages on the screens")
struct JapaneseMessageScreenTests {
    static let clerk = Fixtures.clerk("ports")
    static let form = "/periods/2021Q1/figures/1-1.1"

    /// The error paragraph next to a field (`id="<field>-error"`), up to its closing tag.
    static func fieldError(_ page: WebPage, _ field: String) -> String? {
        guard let start = page.html.range(of: "id=\"\(field)-error\"") else { return nil }
        let rest = page.html[start.upperBound...]
        guard let end = rest.range(of: "</p>") else { return nil }
        return String(rest[..<end.lowerBound])
    }

    @Test(
        "the figure form shows each fault in Japanese, next to its field and in the summary, and saves nothing",
        arguments: [
            (
                [("value", "3.5"), ("status", "reported"), ("note", "")], "value",
                "石炭共同輸送実施回数は回数・件数の指標です。整数で入力してください（小数は使えません）。"
            ),
            (
                [("value", ""), ("status", "not_published"), ("note", "")], "note",
                "区分が「未公表」のときは、備考を入力してください。値がない理由を書いてください。"
            ),
            (
                [("value", "△1"), ("status", "reported"), ("note", "")], "value",
                "石炭共同輸送実施回数の実績値にマイナスの値は使えません。0以上の値を入力してください（△や▲はマイナスの意味になります）。"
            ),
            (
                [("value", "3"), ("status", "reported"), ("note", "港湾\u{1}記録")], "note",
                "3文字目に、使えない制御文字（U+0001）が含まれています。"
            ),
            (
                [("value", "1,23"), ("status", "reported"), ("note", "")], "value",
                "「1,23」は数値として読み取れません。カンマは 1,234,567 のように3桁ごとに入れるか、カンマなしで入力してください。"
            ),
        ])
    func figureFormFaults(_ fields: [(String, String)], _ field: String, _ expected: String) async throws {
        try await withWeb(logins: [Self.clerk]) { browsers, world, _ in
            let page = try await browsers[Self.clerk]!.submit(Self.form, fields + [("action", "save")])
            #expect(page.status == .unprocessableContent, "\(page.html.prefix(400))")
            let shown = try #require(Self.fieldError(page, field), "\(page.html)")
            #expect(shown.contains(expected), "\(shown)")
            #expect(page.html.components(separatedBy: expected).count >= 3, "in the summary and by the field")
            #expect(!page.html.contains("must "), "no English sentence: \(page.html)")
            #expect(try await world.count("SELECT count(*) FROM figures") == 0)
        }
    }

    @Test("the API keeps the English message of the same fault, and its errors carry no new keys")
    func apiStaysEnglish() async throws {
        try await withWeb(logins: [Self.clerk]) { _, world, client in
            let api = API(client: client)
            let token = try await api.login(Self.clerk)
            let reply = try await api.call(
                .put, "/api/v1/periods/2021Q1/figures/1-1.1", token: token, json: #"{"value": "3.5"}"#)
            #expect(reply.status == .unprocessableContent, "\(reply.text)")
            let errors = try #require(reply["errors"] as? [[String: Any]], "\(reply.text)")
            #expect(errors.count == 1)
            #expect(Set(errors[0].keys) == ["field", "message"], "\(reply.text)")
            #expect(errors[0]["field"] as? String == "value")
            #expect(
                errors[0]["message"] as? String == "must be a whole number for 石炭共同輸送実施回数, which counts",
                "\(reply.text)")
            #expect(reply["detail"] as? String == "The input is invalid.", "\(reply.text)")
            #expect(!reply.text.contains("整数"), "\(reply.text)")
            #expect(try await world.count("SELECT count(*) FROM figures") == 0)
        }
    }
}
