import Foundation
import LibPQ
import TestSupport
import Testing

/// Bound values stay data; server errors keep their SQLSTATE fields and keep values out of `description`.
@Suite struct ServerErrorTests {
    @Test func injectionAttemptsAreStoredLiterally() async throws {
        let attempts = ["'); DROP TABLE t; --", "$1", "1; DELETE FROM t", "\\'; DROP TABLE t; --", "\" OR 1=1 --"]
        try await TestDatabase.with(migrated: false) { db in
            try await db.run("CREATE TABLE t (id serial PRIMARY KEY, s text NOT NULL)")
            for a in attempts {
                try await db.run("INSERT INTO t (s) VALUES (\(a))")
            }
            let stored = try await db.pool.withConnection { c in
                try c.query("SELECT s FROM t ORDER BY id").decodeColumn(String.self)
            }
            #expect(stored == attempts)
            #expect(try await db.scalar(String?.self, "SELECT to_regclass('t')::text") == "t")
            #expect(try await db.scalar(Int.self, "SELECT count(*) FROM t WHERE s = \("$1")") == 1)
        }
    }

    @Test func nulCharactersAreRefusedNotTruncated() async throws {
        try await TestDatabase.with(migrated: false) { db in
            try await db.run("CREATE TABLE t (s text)")
            do {
                try await db.run("INSERT INTO t (s) VALUES (\("abc\u{0}; rest"))")
                Issue.record("a value with a NUL character was accepted")
            } catch let e as PostgresError {
                #expect(e.kind == .client)
                #expect(e.debugDescription.contains("parameter $1"))
                #expect(!e.debugDescription.contains("abc"))
            }
            // Whatever happened, nothing shortened was stored.
            #expect(try await db.scalar(Int.self, "SELECT count(*) FROM t") == 0)
        }
    }

    @Test func uniqueViolationKeepsFieldsAndHidesTheValue() async throws {
        let secret = "yamada-石炭-secret"
        try await TestDatabase.with(migrated: false) { db in
            try await db.run("CREATE TABLE accounts (login text NOT NULL CONSTRAINT accounts_login_key UNIQUE)")
            try await db.run("INSERT INTO accounts (login) VALUES (\(secret))")
            do {
                try await db.run("INSERT INTO accounts (login) VALUES (\(secret))")
                Issue.record("the duplicate was accepted")
            } catch let e as PostgresError {
                #expect(e.kind == .server)
                #expect(e.sqlState == .uniqueViolation)
                #expect(e.sqlState?.rawValue == "23505")
                #expect(e.constraint == "accounts_login_key")
                #expect(e.table == "accounts")
                #expect(e.schema == "public")
                #expect(e.detail?.contains(secret) == true)  // the server quotes the value…
                #expect(!e.description.contains(secret))  // …which description never shows
                #expect(!e.description.contains("yamada"))
                #expect(e.description.contains("23505"))
                #expect(e.description.contains("accounts_login_key"))
                #expect(e.debugDescription.contains("Key (login)=(\(secret)) already exists"))
                #expect(e.debugDescription.contains("INSERT INTO accounts (login) VALUES ($1)"))
                #expect(!e.isConnectionFailure)
                #expect((e as any Error).postgresError?.sqlState == .uniqueViolation)
            }
            #expect(try await db.scalar(Int.self, "SELECT count(*) FROM accounts") == 1)
        }
    }

    @Test func syntaxErrorCarriesItsPosition() async throws {
        try await TestDatabase.with(migrated: false) { db in
            do {
                try await db.run("SELECT 1 FROM WHERE x = \("hidden-value")")
                Issue.record("bad SQL was accepted")
            } catch let e as PostgresError {
                #expect(e.kind == .server)
                #expect(e.sqlState == .syntaxError)
                #expect(e.sqlState?.rawValue == "42601")
                #expect(e.position == 15)
                #expect(e.description.contains("42601"))
                #expect(e.description.contains("position 15"))
                #expect(e.debugDescription.contains("SELECT 1 FROM WHERE x = $1"))
                #expect(!e.debugDescription.contains("hidden-value"))
            }
            // An error does not break the connection.
            #expect(try await db.scalar(Int.self, "SELECT 2") == 2)
        }
    }

    @Test func otherServerErrorsKeepTheirFields() async throws {
        try await TestDatabase.with(migrated: false) { db in
            try await db.run("CREATE TABLE figures (amount integer NOT NULL CHECK (amount >= 0))")
            let cases: [(SQLQuery, SQLState, String?)] = [
                ("INSERT INTO figures (amount) VALUES (\(-1))", .checkViolation, nil),
                ("INSERT INTO figures (amount) VALUES (\(Int?.none))", .notNullViolation, "amount"),
                ("SELECT * FROM no_such_table", .undefinedTable, nil),
                ("SELECT \("abc")::integer", .invalidTextRepresentation, nil),
            ]
            for (query, state, column) in cases {
                do {
                    try await db.run(query)
                    Issue.record("\(query) succeeded")
                } catch let e as PostgresError {
                    #expect(e.sqlState == state, "\(query)")
                    if let column { #expect(e.column == column) }
                }
            }
        }
    }
}
