import Foundation
import LibPQ
import TestSupport
import Testing

/// No connection error says a password, whoever wrote it (issue 12 §4).
@Suite struct RedactionTests {
    /// The issue's two examples: passwords the user forgot to percent-encode, and what libpq made of them.
    static let examples: [(url: String, password: String)] = [
        ("postgresql://app:Tr0ub4dor&3/@localhost/shinchoku", "Tr0ub4dor&3/"),
        ("postgresql://app:p/ss@w0rd:#%@localhost:5432/shinchoku", "p/ss@w0rd:#%"),
    ]

    /// The characters that mean something in a URL or a key=value string, or to a shell.
    static let specials = Array("@/:#%?&=,;'\" \\+[]{}!$~`^|<>*()")

    /// Fails the test if `text` holds the password, or any piece of it that could identify it.
    static func expectNoSecret(
        _ text: String, _ password: String, _ context: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(!text.contains(password), "\(context): \(text)", sourceLocation: sourceLocation)
        let pieces = password.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).filter { $0.count >= 3 }
        for piece in pieces {
            #expect(!text.contains(piece), "\(context): \(text) holds \(piece)", sourceLocation: sourceLocation)
        }
    }

    /// Opens a connection on a pool's own thread and returns the error's every rendering.
    static func connectionError(_ configuration: ConnectionConfiguration) async -> String? {
        let pool = ConnectionPool(configuration: configuration, options: .init(maxConnections: 1))
        defer { Task { await pool.close() } }
        do {
            _ = try await pool.withConnection { c in c.serverVersion }
            return nil
        } catch let error as PostgresError {
            return [error.description, error.debugDescription, error.message ?? "", "\(error)"].joined(separator: "\n")
        } catch {
            return "\(error)"
        }
    }

    @Test func theIssuesExamplesLeaveNoTraceOfThePassword() async throws {
        for (url, password) in Self.examples {
            // Unredacted, libpq says `invalid integer value "Tr0ub4dor&3" for connection option "port"` and
            // `invalid percent-encoded token: "ss@w0rd:#%@localhost:5432/shinchoku"`.
            let text = try #require(await Self.connectionError(ConnectionConfiguration(url: url)))
            #expect(text.contains("[redacted]"), "\(text)")
            Self.expectNoSecret(text, password, url)

            let error = #expect(throws: PostgresError.self) { try ConnectionConfiguration(url: url).validate() }
            #expect(error?.kind == .invalidConfiguration)
            #expect(error?.message?.contains("cannot be read") == true)
            Self.expectNoSecret(error?.message ?? "", password, "validate \(url)")
        }
    }

    @Test func passwordsBuiltFromEachSpecialCharacter() async throws {
        var cases: [(ConnectionConfiguration, String, String)] = []
        for c in Self.specials {
            for password in ["Secr\(c)tPass9", "\(c)LeadingSecret9", "TrailingSecret9\(c)", "Two\(c)Secret\(c)Parts9"] {
                let quoted = password.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                    of: "'", with: "\\'")
                cases += [
                    // Not percent-encoded, as a user might type it.
                    (
                        ConnectionConfiguration(url: "postgresql://app:\(password)@localhost:1/shinchoku"), password,
                        "URL"
                    ),
                    (
                        ConnectionConfiguration(
                            url: "postgresql://localhost:1/shinchoku?user=app&password=\(password)"),
                        password, "URL query"
                    ),
                    // key=value, unquoted and quoted.
                    (
                        ConnectionConfiguration(url: "host=localhost port=1 user=app password=\(password) dbname=x"),
                        password, "key=value"
                    ),
                    (
                        ConnectionConfiguration(url: "host=localhost port=1 user=app password='\(quoted)' dbname=x"),
                        password, "key='value'"
                    ),
                ]
            }
        }
        try await withThrowingTaskGroup(of: (String?, String, String).self) { group in
            for (configuration, password, form) in cases {
                group.addTask { (await Self.connectionError(configuration), password, form) }
            }
            var failures = 0
            for try await (text, password, form) in group {
                guard let text else { continue }  // a misread setting that reached some server: nothing to say
                failures += 1
                Self.expectNoSecret(text, password, "\(form) with \(password)")
            }
            #expect(failures > cases.count / 2)
        }
        for (configuration, password, form) in cases {
            do {
                try configuration.validate()
            } catch let error as PostgresError {
                Self.expectNoSecret(error.message ?? "", password, "validate \(form)")
                Self.expectNoSecret(error.debugDescription, password, "validate \(form)")
            }
        }
    }

    @Test func anyPasswordAssignmentInAMessageIsRedacted() {
        let secrets = ConnectionSecrets(ConnectionConfiguration())
        #expect(
            secrets.redact("missing \"=\" after \"x\" in host=db password=hunter2hunter dbname=x")
                == "missing \"=\" after \"x\" in host=db password=[redacted] dbname=x")
        #expect(secrets.redact(#"PASSWORD = 'it\'s secret' and more"#) == "PASSWORD = [redacted] and more")
        #expect(secrets.redact("no secret here") == "no secret here")
    }
}
