import Foundation

/// Why an `EmbeddedPostgres` operation failed: the step, the command, its exit code and the tail of its output and server.log.
public struct EmbeddedPostgresError: Error, CustomStringConvertible, Sendable {
    /// The step of the life cycle that failed.
    public enum Step: String, Sendable {
        /// Finding the PostgreSQL server binaries.
        case locate
        /// Preparing the data directory and running `initdb`.
        case initdb
        /// Checking the paths and running `pg_ctl start` (or reusing a running server).
        case start
        /// Running `pg_ctl stop`.
        case stop
    }

    /// The step that failed.
    public let step: Step
    /// What went wrong, in one sentence.
    public let message: String
    /// The argv of the command that failed (empty when no command ran); it never holds secrets (auth is `trust`).
    public let command: [String]
    /// The command's exit status, if it ran to completion.
    public let exitCode: Int32?
    /// The last lines (about 20) of the command's combined stdout and stderr.
    public let output: String
    /// The last lines (about 20) of `<data>/server.log`, when the server was involved.
    public let serverLog: String

    /// Creates an error; `output` and `serverLog` are cut to their last 20 lines.
    public init(
        step: Step, message: String, command: [String] = [], exitCode: Int32? = nil, output: String = "",
        serverLog: String = ""
    ) {
        self.step = step
        self.message = message
        self.command = command
        self.exitCode = exitCode
        self.output = Self.tail(output)
        self.serverLog = Self.tail(serverLog)
    }

    /// A multi-line explanation: step, message, command, exit code, output and server.log tails.
    public var description: String {
        var text = "EmbeddedPostgres \(step.rawValue) failed: \(message)"
        if !command.isEmpty {
            text += "\n  command: \(command.map(shellQuoted).joined(separator: " "))"
        }
        if let exitCode {
            text += "\n  exit code: \(exitCode)"
        }
        if !output.isEmpty {
            text += "\n  output (last lines):\n" + Self.indent(output)
        }
        if !serverLog.isEmpty {
            text += "\n  server.log (last lines):\n" + Self.indent(serverLog)
        }
        return text
    }

    static let tailLineCount = 20

    /// The last `tailLineCount` non-empty-trailing lines of `text`.
    static func tail(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        var trimmed = lines[...]
        while let last = trimmed.last, last.allSatisfy(\.isWhitespace) { trimmed = trimmed.dropLast() }
        return trimmed.suffix(tailLineCount).joined(separator: "\n")
    }

    private static func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
    }
}

/// `value` quoted for a POSIX shell (single quotes), unchanged when it only holds safe characters.
func shellQuoted(_ value: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
    if !value.isEmpty && value.allSatisfy({ safe.contains($0) }) { return value }
    return "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
