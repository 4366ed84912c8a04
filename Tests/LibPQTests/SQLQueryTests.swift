import Foundation
import LibPQ
import TestSupport
import Testing

/// How interpolation builds SQL text and bindings.
@Suite struct SQLQueryTests {
    @Test func boundValuesNeverAppearInDescriptions() {
        let password = "hunter2-秘密"
        let q: SQLQuery = "SELECT id FROM users WHERE login = \("tanaka") AND password = \(password) AND n = \(987_654)"
        #expect(q.sql == "SELECT id FROM users WHERE login = $1 AND password = $2 AND n = $3")
        #expect(q.description == q.sql)
        for text in [q.description, q.debugDescription, String(describing: q), String(reflecting: q), "\(q)"] {
            #expect(!text.contains("hunter2"))
            #expect(!text.contains("tanaka"))
            #expect(!text.contains("987654"))
        }
        #expect(q.debugDescription.contains("3 bound value(s), redacted"))
        #expect(q.bindings.map(\.text) == ["tanaka", password, "987654"])
        #expect(q.bindings.map(\.typeOID) == [0, 0, PostgresOID.int8])
    }

    @Test func identifiersAreQuoted() {
        let q: SQLQuery = "SELECT * FROM \(identifier: "plan") JOIN \(identifier: #"we"ird; DROP"#) USING (id)"
        #expect(q.sql == #"SELECT * FROM "plan" JOIN "we""ird; DROP" USING (id)"#)
        #expect(q.bindings.isEmpty)
    }

    @Test func unsafeRawIsInsertedVerbatim() {
        let order = "created_at DESC"
        let q: SQLQuery = "SELECT * FROM t WHERE a = \(1) ORDER BY \(unsafeRaw: order)"
        #expect(q.sql == "SELECT * FROM t WHERE a = $1 ORDER BY created_at DESC")
        #expect(q.bindings.count == 1)
        #expect(SQLQuery(unsafeSQL: "SELECT '$1'").sql == "SELECT '$1'")
    }

    @Test func splicedFragmentsAreRenumbered() {
        let fragment: SQLQuery = "b = \(2)"
        let appended: SQLQuery = "a = \(1) AND " + fragment
        #expect(appended.sql == "a = $1 AND b = $2")
        #expect(appended.bindings.map(\.text) == ["1", "2"])

        let interpolated: SQLQuery = "WHERE \(fragment) AND c = \(3)"
        #expect(interpolated.sql == "WHERE b = $1 AND c = $2")
        #expect(interpolated.bindings.map(\.text) == ["2", "3"])

        var built: SQLQuery = "SELECT \(0)"
        built += ", " + fragment
        #expect(built.sql == "SELECT $1, b = $2")

        let joined = SQLQuery.joined(["x = \(10)", "y = \("z")", "w IS NULL"], separator: " AND ")
        #expect(joined.sql == "x = $1 AND y = $2 AND w IS NULL")
        #expect(joined.bindings.map(\.text) == ["10", "z"])

        let nothing: SQLQuery = "v = \(String?.none)"
        #expect(nothing.bindings.count == 1 && nothing.bindings[0].text == nil)
    }

    @Test func splicedQueryBindsInTheRightOrder() async throws {
        try await TestDatabase.with(migrated: false) { db in
            let second: SQLQuery = "\("second")::text AS b, \(Int32(2)) AS n"
            let query: SQLQuery = "SELECT \("first")::text AS a, " + second + ", \(ExactDecimal("3.0")!) AS d"
            let row = try await db.pool.withConnection { c in
                try c.query(query).first!.decode((String, String, Int32, ExactDecimal).self)
            }
            #expect(row.0 == "first" && row.1 == "second" && row.2 == 2 && row.3.text == "3.0")
        }
    }
}
