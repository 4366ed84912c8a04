import Foundation
import LibPQ
import TestSupport
import Testing

/// Every supported type goes out as a bound parameter and comes back unchanged.
@Suite struct TypeRoundTripTests {
    @Test func integers() async throws {
        try await TestDatabase.with(migrated: false) { db in
            for v in [0, 1, -1, 42, Int.max, Int.min] {
                let r = try await roundTrip(v, "bigint", in: db)
                #expect(r.selected == v && r.stored == v, "Int \(v)")
            }
            for v: Int64 in [0, -7, .max, .min] {
                let r = try await roundTrip(v, "bigint", in: db)
                #expect(r.selected == v && r.stored == v, "Int64 \(v)")
            }
            for v: Int32 in [0, 123_456, .max, .min] {
                let r = try await roundTrip(v, "integer", in: db)
                #expect(r.selected == v && r.stored == v, "Int32 \(v)")
            }
            // Narrower server types widen into Int.
            #expect(try await db.scalar(Int.self, "SELECT 7::smallint") == 7)
            #expect(try await db.scalar(Int.self, "SELECT 2147483647::integer") == 2_147_483_647)
        }
    }

    @Test func booleans() async throws {
        try await TestDatabase.with(migrated: false) { db in
            for v in [true, false] {
                let r = try await roundTrip(v, "boolean", in: db)
                #expect(r.selected == v && r.stored == v)
            }
        }
    }

    @Test func strings() async throws {
        let values = [
            "石炭共同輸送実施回数",
            "",
            "🚚💨 👩‍👩‍👧 🇯🇵",
            "it's \"quoted\" '' \"\"",
            "back\\slash \\\\ \\n \\x00 \\'",
            "line\nbreak\ttab\r",
            "'); DROP TABLE t; --",
            "$1 $2 ?",
            String(repeating: "長い文字列", count: 5_000),
        ]
        try await TestDatabase.with(migrated: false) { db in
            for v in values {
                let r = try await roundTrip(v, "text", in: db)
                #expect(r.selected == v && r.stored == v, "\(v.prefix(40))")
                // The server saw the same characters, not mangled bytes.
                let lengths = try await db.pool.withConnection { c in
                    try c.query("SELECT length(\(v)::text), octet_length(\(v)::text)").first!.decode((Int, Int).self)
                }
                #expect(lengths.0 == v.unicodeScalars.count && lengths.1 == v.utf8.count, "\(v.prefix(40))")
            }
            let r = try await roundTrip("石炭共同輸送実施回数", "varchar(20)", in: db)
            #expect(r.stored == "石炭共同輸送実施回数")
        }
    }

    @Test func exactDecimalsKeepValueAndScale() async throws {
        let texts = [
            "12345678901234567890.123456789", "-12345678901234567890.123456789", "4.0", "4", "0.000001",
            "-0.000001", "0.0000001", "0", "-12.30", "100.000",
        ]
        try await TestDatabase.with(migrated: false) { db in
            for text in texts {
                let v = try #require(ExactDecimal(text))
                let r = try await roundTrip(v, "numeric", in: db)
                #expect(r.selected.text == text && r.stored.text == text, "\(text)")
                #expect(r.stored.scale == v.scale)
            }
            #expect(try await db.scalar(ExactDecimal.self, "SELECT 4.0::numeric").text == "4.0")
            #expect(try await db.scalar(ExactDecimal.self, "SELECT 4.0::numeric(10,3)").text == "4.000")
            // A column's declared scale applies on the way in, as PostgreSQL rounds it.
            let r = try await roundTrip(try #require(ExactDecimal("2.25")), "numeric(6,1)", in: db)
            #expect(r.stored.text == "2.3")
        }
    }

    @Test func decimalsKeepEveryDigit() async throws {
        let texts = [
            "12345678901234567890.123456789", "-12345678901234567890.123456789", "0.000001", "0.0000001",
            "-4.5", "0", "99999999999999999999999999999999999999",
        ]
        try await TestDatabase.with(migrated: false) { db in
            for text in texts {
                let v = try #require(Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")))
                let r = try await roundTrip(v, "numeric", in: db)
                #expect(r.selected == v && r.stored == v, "\(text)")
                // What reached the server is the exact number.
                let onServer = try await db.scalar(String.self, "SELECT (\(v)::numeric = \(ExactDecimal(text)!))::text")
                #expect(onServer == "true", "\(text) arrived as something else")
            }
            #expect(try await db.scalar(Decimal.self, "SELECT 4.0::numeric") == 4)
            #expect(try await db.scalar(Decimal.self, "SELECT 12::integer") == 12)
        }
    }

    @Test func timestampsKeepMicroseconds() async throws {
        let instants: [Double] = [1_722_427_496.123456, 0, -1.5, 946_684_799.999999, 1_000_000_000.000001]
        try await TestDatabase.with(migrated: false) { db in
            for seconds in instants {
                let v = Date(timeIntervalSince1970: seconds)
                let r = try await roundTrip(v, "timestamptz", in: db)
                #expect(micros(r.selected) == micros(v) && micros(r.stored) == micros(v), "\(seconds)")
            }
            let text = try await db.scalar(
                String.self, "SELECT \(Date(timeIntervalSince1970: 1_722_427_496.123456))::text")
            #expect(text == "2024-07-31 12:04:56.123456+00")
            // A timestamp without time zone is taken as UTC.
            let naive = try await db.scalar(Date.self, "SELECT '2024-07-31 12:04:56.5'::timestamp")
            #expect(micros(naive) == 1_722_427_496_500_000)
        }
    }

    @Test func timestampsDecodeTheSameInstantInAnySessionTimeZone() async throws {
        let instant = Date(timeIntervalSince1970: 1_722_427_496.123456)  // 2024-07-31 12:04:56.123456 UTC
        try await TestDatabase.with(migrated: false) { db in
            let seen = try await db.pool.withConnection { c in
                var seen: [(zone: String, text: String, decoded: Date)] = []
                for zone in ["Asia/Tokyo", "Asia/Kolkata", "America/St_Johns", "UTC"] {
                    try c.execute(SQLQuery(unsafeSQL: "SET TIME ZONE '\(zone)'"))
                    let text = try c.one(String.self, "SELECT \(instant)::timestamptz::text")
                    let decoded = try c.one(Date.self, "SELECT \(instant)::timestamptz")
                    seen.append((zone, text, decoded))
                }
                return seen.map { "\($0.zone)|\($0.text)|\(micros($0.decoded))" }
            }
            #expect(
                seen == [
                    "Asia/Tokyo|2024-07-31 21:04:56.123456+09|1722427496123456",
                    "Asia/Kolkata|2024-07-31 17:34:56.123456+05:30|1722427496123456",
                    "America/St_Johns|2024-07-31 09:34:56.123456-02:30|1722427496123456",
                    "UTC|2024-07-31 12:04:56.123456+00|1722427496123456",
                ])

            let literals = try await db.pool.withConnection { c in
                try c.execute("SET TIME ZONE 'Asia/Tokyo'")
                return [
                    try c.one(Date.self, "SELECT '2024-07-31 21:04:56.123456+09'::timestamptz"),
                    try c.one(Date.self, "SELECT '2024-07-31 21:04:56.123456'::timestamptz"),
                    // Before 1888 Tokyo kept local mean time: the offset comes back as +09:18:59.
                    try c.one(Date.self, "SELECT '1880-01-01 00:00:00+00'::timestamptz"),
                ]
            }
            #expect(literals.map(micros) == [1_722_427_496_123_456, 1_722_427_496_123_456, -2_840_140_800_000_000])
        }
    }

    @Test func calendarDates() async throws {
        let dates = [
            (2024, 2, 29), (2000, 2, 29), (2000, 1, 1), (1999, 12, 31), (1900, 2, 28), (1, 1, 1), (9999, 12, 31),
        ]
        try await TestDatabase.with(migrated: false) { db in
            for (y, m, d) in dates {
                let v = try #require(CalendarDate(year: y, month: m, day: d))
                let r = try await roundTrip(v, "date", in: db)
                #expect(r.selected == v && r.stored == v, "\(v)")
            }
            #expect(CalendarDate(year: 1900, month: 2, day: 29) == nil)
            let nextYear = try await db.scalar(
                CalendarDate.self, "SELECT \(CalendarDate(year: 2000, month: 2, day: 29)!) + 366")
            #expect(nextYear == CalendarDate(year: 2001, month: 3, day: 1))
        }
    }

    @Test func uuids() async throws {
        try await TestDatabase.with(migrated: false) { db in
            for v in [UUID(), UUID(), UUID(uuidString: "00000000-0000-0000-0000-000000000000")!] {
                let r = try await roundTrip(v, "uuid", in: db)
                #expect(r.selected == v && r.stored == v)
            }
        }
    }

    struct Figure: Codable, Equatable, Sendable {
        var indicator: String
        var values: [Int]
        var note: String?
    }

    @Test func json() async throws {
        let raw = RawJSON(#"{"b":"石炭","a":[1,2.5,null],"q":"it's \"x\" \\ 🚚"}"#)
        let normalized = #"{"a": [1, 2.5, null], "b": "石炭", "q": "it's \"x\" \\ 🚚"}"#
        let figure = Figure(indicator: "石炭共同輸送実施回数", values: [3, 0, -1], note: nil)
        try await TestDatabase.with(migrated: false) { db in
            for type in ["jsonb", "json"] {
                let r = try await roundTrip(raw, type, in: db)
                #expect(r.selected.text == normalized && r.stored.text == normalized, "\(type)")
                let f = try await roundTrip(PostgresJSON(figure), type, in: db)
                #expect(f.selected.value == figure && f.stored.value == figure, "\(type)")
            }
            // json keeps its text exactly as written.
            let kept = try await db.scalar(RawJSON.self, #"SELECT '{"b":1,  "a":2}'::json"#)
            #expect(kept.text == #"{"b":1,  "a":2}"#)
            let field = try await db.scalar(String.self, "SELECT \(PostgresJSON(figure)) ->> 'indicator'")
            #expect(field == "石炭共同輸送実施回数")
        }
    }

    @Test func optionalsCarryNull() async throws {
        try await TestDatabase.with(migrated: false) { db in
            func expectNull<T: PostgresEncodable & PostgresDecodable>(_: T.Type, _ sqlType: String) async throws {
                let r = try await roundTrip(T?.none, sqlType, in: db)
                #expect(r.selected == nil && r.stored == nil, "\(T.self) as \(sqlType)")
            }
            try await expectNull(Int.self, "bigint")
            try await expectNull(Int64.self, "bigint")
            try await expectNull(Int32.self, "integer")
            try await expectNull(Bool.self, "boolean")
            try await expectNull(String.self, "text")
            try await expectNull(ExactDecimal.self, "numeric")
            try await expectNull(Decimal.self, "numeric")
            try await expectNull(Date.self, "timestamptz")
            try await expectNull(CalendarDate.self, "date")
            try await expectNull(UUID.self, "uuid")
            try await expectNull(RawJSON.self, "jsonb")
            try await expectNull(RawJSON.self, "json")
            try await expectNull(PostgresJSON<Figure>.self, "jsonb")

            // A present Optional is its value.
            let some = try await roundTrip(Optional("石炭"), "text", in: db)
            #expect(some.selected == "石炭" && some.stored == "石炭")
            let someInt = try await roundTrip(Int32?.some(-5), "integer", in: db)
            #expect(someInt.selected == -5 && someInt.stored == -5)
            // NULL is not the empty string.
            #expect(try await db.scalar(Bool.self, "SELECT \(String?.none)::text IS NULL"))
            #expect(try await db.scalar(Bool.self, "SELECT \("")::text IS NOT NULL"))
        }
    }
}

/// Whole microseconds since 1970, the precision PostgreSQL keeps.
func micros(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }
