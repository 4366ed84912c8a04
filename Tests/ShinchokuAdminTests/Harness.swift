import Foundation
import LibPQ
import Shinchoku
import Synchronization
import TestSupport
import Testing

@testable import ShinchokuAdmin

/// What one command run printed, and its exit status.
struct CommandRun: CustomStringConvertible {
    var status: AdminExitStatus
    var stdout: String
    var stderr: String

    var description: String { "exit \(status.rawValue) (\(status))\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }

    /// The standard output as JSON.
    func json() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(stdout.utf8), options: [.fragmentsAllowed])
    }
}

/// Text written by a command, collected across threads.
final class Captured: Sendable {
    private let text = Mutex("")
    var value: String { text.withLock { $0 } }
    var sink: OutputSink { OutputSink { s in self.text.withLock { $0 += s } } }
}

/// Lines a command reads from standard input.
final class Input: Sendable {
    private let lines: Mutex<[String]>
    init(_ lines: [String]) { self.lines = Mutex(lines) }
    func next() -> String? { lines.withLock { $0.isEmpty ? nil : $0.removeFirst() } }
}

enum CLI {
    /// Runs `shinchoku-admin` in-process with the arguments, against the test database (as `--database-url`
    /// at the end, after the subcommand), with captured output and only the given environment.
    static func run(
        _ db: TestDB?, _ arguments: [String], stdin: [String] = [], environment: [String: String] = [:]
    ) async -> CommandRun {
        let out = Captured()
        let err = Captured()
        let input = Input(stdin)
        let context = CommandContext(
            environment: environment, standardOutput: out.sink, standardError: err.sink,
            readLine: { input.next() })
        var arguments = arguments
        if let db { arguments += ["--database-url", conninfo(db.configuration)] }
        let status = await Admin.run(arguments, context: context)
        return CommandRun(status: status, stdout: out.value, stderr: err.value)
    }

    /// Like ``run(_:_:stdin:environment:)``, recording an issue unless the command succeeds.
    @discardableResult
    static func ok(
        _ db: TestDB?, _ arguments: [String], stdin: [String] = [], environment: [String: String] = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async -> CommandRun {
        let r = await run(db, arguments, stdin: stdin, environment: environment)
        #expect(r.status == .success, "\(arguments.joined(separator: " "))\n\(r)", sourceLocation: sourceLocation)
        return r
    }

    /// A libpq key=value connection string of a configuration, values quoted.
    static func conninfo(_ c: ConnectionConfiguration) -> String {
        c.parameters.map { key, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
            return "\(key)='\(escaped)'"
        }.joined(separator: " ")
    }
}

/// Golden files in `Golden/`; `SHINCHOKU_UPDATE_GOLDEN=1` rewrites them in the source tree.
enum Golden {
    static func check(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        if ProcessInfo.processInfo.environment["SHINCHOKU_UPDATE_GOLDEN"] == "1" {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Golden").appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let url = try #require(Bundle.module.resourceURL).appendingPathComponent("Golden").appendingPathComponent(name)
        let expected = try String(contentsOf: url, encoding: .utf8)
        if text != expected {
            let got = text.components(separatedBy: "\n")
            let want = expected.components(separatedBy: "\n")
            let n = Array(zip(got, want)).firstIndex { $0.0 != $0.1 } ?? min(got.count, want.count)
            Issue.record(
                """
                \(name) differs at line \(n + 1):
                  got:  \(n < got.count ? got[n] : "<end>")
                  want: \(n < want.count ? want[n] : "<end>")
                Regenerate with SHINCHOKU_UPDATE_GOLDEN=1 if the change is intended.
                """, sourceLocation: sourceLocation)
        }
    }
}

/// A temporary folder for files commands read and write.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("shinchoku-admin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func write(_ name: String, _ text: String) throws -> String {
        let p = path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
        return p
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
