import Foundation
import LibPQ
import TestSupport
import Testing

/// A String-backed enum as the service layer has them (workflow states, roles).
private enum Colour: String, PostgresCodable {
    case red, green
}

/// Rows decode by type: String-backed enums, the one row of a result, and JSON that refuses to bind NULL.
@Suite struct TypedDecodingTests {
    @Test func stringEnumsBindAndDecodeByTheirRawValue() async throws {
        try await TestDatabase.with(migrated: false) { db in
            try await db.pool.withConnection { c in
                try c.execute("CREATE TEMP TABLE paint (c text)")
                try c.execute("INSERT INTO paint (c) VALUES (\(Colour.green)), (\(Colour?.none))")
                let colours = try c.query("SELECT c FROM paint ORDER BY c NULLS LAST").map {
                    try $0.decode(Colour?.self)
                }
                #expect(colours == [.green, nil])
                #expect(throws: PostgresError.self) { try c.query("SELECT 'blue' AS c").single().decode(Colour.self) }
                do {
                    _ = try c.query("SELECT 'blue' AS c").single().decode(Colour.self)
                } catch let e as PostgresError {
                    #expect(e.kind == .decoding && e.description.contains("\"c\""))
                }
            }
        }
    }

    @Test func singleThrowsUnlessThereIsExactlyOneRow() async throws {
        try await TestDatabase.with(migrated: false) { db in
            try await db.pool.withConnection { c in
                #expect(try c.query("SELECT 7").single().decode(Int.self) == 7)
                for sql: SQLQuery in ["SELECT 1 WHERE false", "SELECT generate_series(1, 2)"] {
                    do {
                        _ = try c.query(sql).single()
                        Issue.record("expected an error for \(sql)")
                    } catch let e as PostgresError {
                        #expect(e.kind == .decoding)
                    }
                }
            }
        }
    }

    @Test func jsonThatCannotBeEncodedThrowsInsteadOfBindingNull() throws {
        #expect(throws: EncodingError.self) { try PostgresJSON([Double.nan]) }
        #expect(try PostgresJSON(["b": 1, "a": 2]).postgresText == #"{"a":2,"b":1}"#)
    }
}
