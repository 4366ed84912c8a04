import Foundation
import TestSupport
import Testing

@testable import LibPQ

/// `PostgresJSON<[String]>` reads arrays of strings without JSONDecoder, with JSONDecoder's results.
@Suite struct JSONStringArrayTests {
    static let arrays = [
        #"[]"#, #" [ ] "#, #"["a"]"#, #"["a", "b"]"#, #"[ "a" ,"b" ]"#, #"[""]"#,
        #"["港湾の整備", "工業用水 (日量 1,000m³)"]"#,
        #"["quote \" backslash \\ slash \/ and / plain"]"#,
        #"["\b\f\n\r\t", "\u0001\u001f", "\u00e9\u3042\uFFFD", "tab\tend"]"#,
        #"["emoji 🚢 raw"]"#,
    ]

    @Test("arrays of strings read as JSONDecoder reads them", arguments: arrays)
    func sameAsJSONDecoder(_ text: String) throws {
        let expected = try JSONDecoder().decode([String].self, from: Data(text.utf8))
        #expect(JSONStringArray.parse(text) == expected)
    }

    /// Everything the fast path does not take is left to JSONDecoder, which decodes it or names the error.
    @Test(
        "other shapes and malformed text are left to JSONDecoder",
        arguments: [
            #"{"a": "b"}"#, #"["a", 1]"#, #"["a", null]"#, #"["a",]"#, #"["a""#, #"["a"] x"#, #""a""#, "",
            #"["\uD83D\uDEA2"]"#, #"["\x"]"#, #"["\u12"]"#, "[\"raw\u{01}control\"]", #"[["a"]]"#,
        ])
    func declines(_ text: String) {
        #expect(JSONStringArray.parse(text) == nil)
    }

    @Test("jsonb arrays of strings decode through the fast path and the slow one alike")
    func fromTheDatabase() async throws {
        try await TestDatabase.with(migrated: false) { db in
            let texts = ["改行\nと\"引用\"", "\\", "\u{01}", "🚢", ""]
            let fast = try await db.scalar(PostgresJSON<[String]>.self, "SELECT \(PostgresJSON(texts))::jsonb")
            #expect(fast.value == texts)
            // A surrogate pair (json keeps its text as sent): JSONDecoder's path.
            let pair = try await db.scalar(PostgresJSON<[String]>.self, #"SELECT '["\uD83D\uDEA2"]'::json"#)
            #expect(pair.value == ["🚢"])
        }
    }
}
