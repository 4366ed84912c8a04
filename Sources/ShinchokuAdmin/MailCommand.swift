import ArgumentParser
import Foundation
import Shinchoku

extension Admin {
    struct Mail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The notification mails' outbox.",
            discussion: """
                Example:
                  shinchoku-admin mail status --as admin
                """,
            subcommands: [Status.self])

        struct Status: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "How many notification mails wait, failed for good, or went out.",
                discussion: """
                    Pending mails wait for shinchoku-server's worker (an SMTP server that is down leaves them \\
                    pending, retried with a growing delay); failed ones were refused with a 5xx reply.

                    Example:
                      shinchoku-admin mail status --as admin
                    """)

            @OptionGroup var options: SharedOptions

            func run() async throws {
                try await Invocation.run(options) { run in
                    let b = try await run.service.mailBacklog(as: run.actor)
                    try run.emit(b) {
                        var text = "pending: \(b.pending)\nfailed:  \(b.failed)\nsent:    \(b.sent)"
                        if let oldest = b.oldestPending {
                            text += "\noldest pending since \(ISO8601DateFormatter().string(from: oldest))"
                        }
                        if let error = b.lastError { text += "\nlast error: \(error)" }
                        return text
                    }
                }
            }
        }
    }
}
