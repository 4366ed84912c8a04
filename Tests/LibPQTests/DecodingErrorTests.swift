import Foundation
import LibPQ
import TestSupport
import Testing

/// Values that do not fit the requested Swift type throw a `.decoding` error; nothing crashes.
@Suite struct DecodingErrorTests {
    /// The error `body` throws, which must be a PostgresError.
    func postgresError<T>(_ body: () async throws -> T) async -> PostgresError? {
        do {
            let value = try await body()
            Issue.record("expected an error, got \(value)")
            return nil
        } catch let e as PostgresError {
            return e
        } catch {
            Issue.record("expected a PostgresError, got \(type(of: error)): \(error)")
            return nil
        }
    }

    @Test func nullIntoNonOptionalNamesColumnAndType() async throws {
        try await TestDatabase.with(migrated: false) { db in
            let byName = await postgresError {
                try await db.pool.withConnection { c in
                    try c.query("SELECT 1 AS id, NULL::integer AS amount").first!.decode(Int.self, column: "amount")
                }
            }
            #expect(byName?.kind == .decoding)
            #expect(byName?.description.contains("\"amount\"") == true)
            #expect(byName?.description.contains("index 1") == true)
            #expect(byName?.description.contains("Int") == true)

            let inTuple = await postgresError {
                try await db.pool.withConnection { c in
                    try c.query("SELECT 1 AS id, NULL::text AS login").first!.decode((Int, String).self)
                }
            }
            #expect(inTuple?.kind == .decoding)
            #expect(inTuple?.description.contains("\"login\"") == true)
            #expect(inTuple?.description.contains("String") == true)
            let optional = try await db.pool.withConnection { c in
                try c.query("SELECT 1 AS id, NULL::text AS login").first!.decode((Int, String?).self)
            }
            #expect(optional.0 == 1 && optional.1 == nil)
        }
    }

    @Test func mismatchedTypesThrow() async throws {
        try await TestDatabase.with(migrated: false) { db in
            let cases: [(String, @Sendable (Connection) throws -> Any)] = [
                ("text as Int", { try $0.one(Int.self, "SELECT 'abc'::text AS t") }),
                ("digits in text as Int", { try $0.one(Int.self, "SELECT '12'::text AS t") }),
                ("numeric as Int", { try $0.one(Int.self, "SELECT 1.5::numeric AS n") }),
                ("bigint out of Int32 range", { try $0.one(Int32.self, "SELECT 3000000000::bigint AS n") }),
                ("text as Bool", { try $0.one(Bool.self, "SELECT 't'::text AS b") }),
                ("text as Date", { try $0.one(Date.self, "SELECT '2024-01-01'::text AS d") }),
                ("infinite timestamptz", { try $0.one(Date.self, "SELECT 'infinity'::timestamptz AS d") }),
                ("infinite date", { try $0.one(CalendarDate.self, "SELECT 'infinity'::date AS d") }),
                ("timestamptz as CalendarDate", { try $0.one(CalendarDate.self, "SELECT now() AS d") }),
                ("text as UUID", { try $0.one(UUID.self, "SELECT 'not-a-uuid'::text AS u") }),
                ("NaN as ExactDecimal", { try $0.one(ExactDecimal.self, "SELECT 'NaN'::numeric AS n") }),
                ("float as ExactDecimal", { try $0.one(ExactDecimal.self, "SELECT 1.5::float8 AS n") }),
                ("text as JSON", { try $0.one(RawJSON.self, "SELECT '{}'::text AS j") }),
                (
                    "JSON of another shape",
                    { try $0.one(PostgresJSON<[Int]>.self, #"SELECT '{"a":1}'::jsonb AS j"#) }
                ),
                (
                    "more digits than Decimal holds",
                    { try $0.one(Decimal.self, "SELECT 1234567890123456789012345678901234567890.5::numeric AS n") }
                ),
                (
                    "smaller than Decimal holds",
                    { try $0.one(Decimal.self, "SELECT ('0.' || repeat('0', 200) || '1')::numeric AS n") }
                ),
                (
                    "larger than Decimal holds",
                    { try $0.one(Decimal.self, "SELECT ('1' || repeat('0', 200))::numeric AS n") }
                ),
                ("no such column index", { try $0.query("SELECT 1").first!.decode(Int.self, at: 1) }),
                ("no such column name", { try $0.query("SELECT 1 AS a").first!.decode(Int.self, column: "b") }),
            ]
            for (name, body) in cases {
                let e = await postgresError {
                    try await db.pool.withConnection { c in String(describing: try body(c)) }
                }
                #expect(e?.kind == .decoding, "\(name)")
            }
        }
    }

    @Test func unknownTypesDecodeOnlyAsText() async throws {
        try await TestDatabase.with(migrated: false) { db in
            let point = try await db.scalar(String.self, "SELECT point(1, 2) AS p")
            #expect(point == "(1,2)")
            #expect(try await db.scalar(String.self, "SELECT '[1,5)'::int4range AS r") == "[1,5)")
            let e = await postgresError { try await db.scalar(Int.self, "SELECT point(1, 2) AS p") }
            #expect(e?.kind == .decoding)
            #expect(e?.description.contains("\"p\"") == true)
            // The connection is fine afterwards.
            #expect(try await db.scalar(Int.self, "SELECT 1") == 1)
        }
    }

    @Test func numericsBeyondThirtyEightDigitsAreRefusedNotRounded() async throws {
        try await TestDatabase.with(migrated: false) { db in
            let huge: SQLQuery = "SELECT ('1' || repeat('0', 200) || '.5')::numeric AS n"
            let text = try await db.scalar(String.self, huge)
            #expect(text == "1" + String(repeating: "0", count: 200) + ".5")
            let e = await postgresError { try await db.scalar(ExactDecimal.self, huge) }
            #expect(e?.kind == .decoding)
            let widest = String(repeating: "9", count: 30) + "." + String(repeating: "9", count: 8)
            #expect(try await db.scalar(ExactDecimal.self, "SELECT \(widest)::numeric").text == widest)
        }
    }
}
