import Foundation
import Testing

@testable import ShinchokuAdmin

/// Issue 12 §4: `shinchoku-admin` never prints a password it was given in a database URL.
@Suite("No secret in the CLI's messages")
struct ConnectionSecretTests {
    @Test("status with a database URL whose password was not percent-encoded: exit 64, and no trace of the password")
    func unencodedPasswords() async throws {
        let examples = [
            // libpq alone says: invalid integer value "Tr0ub4dor&3" for connection option "port"
            ("postgresql://app:Tr0ub4dor&3/@localhost/shinchoku", ["Tr0ub4dor", "Tr0ub4dor&3"]),
            // libpq alone says: invalid percent-encoded token: "ss@w0rd:#%@localhost:…"
            ("postgresql://app:p/ss@w0rd:#%@localhost:5432/shinchoku", ["w0rd", "ss@w0rd"]),
        ]
        for (url, secrets) in examples {
            let run = await CLI.run(nil, ["status", "--database-url", url])
            #expect(run.status == .usage, "\(run)")
            #expect(run.stderr.contains("cannot be read"), "\(run)")
            #expect(run.stderr.contains("percent-encode"), "\(run)")
            for secret in secrets {
                #expect(!run.stderr.contains(secret), "\(run)")
                #expect(!run.stdout.contains(secret), "\(run)")
            }
        }
    }

    @Test("a password that parses but cannot connect is not printed either")
    func connectionFailure() async throws {
        let url = "postgresql://app:Pa%40ss-w0rd-S3cret@localhost:1/shinchoku"
        let run = await CLI.run(nil, ["status", "--database-url", url])
        #expect(run.status == .unavailable, "\(run)")
        #expect(!run.stderr.contains("w0rd-S3cret"), "\(run)")
        #expect(!run.stderr.contains("Pa@ss"), "\(run)")
    }
}
