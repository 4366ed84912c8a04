import Foundation
import LibPQ
import Shinchoku
import ShinchokuAdmin
import TestSupport
import Testing

/// Issue 12 §1: the API and the CSV import read figure values through the one grammar, and so agree on every input.
@Suite("One number grammar for the API and the import")
struct NumberGrammarTests {
    /// What happened to one input: the value saved, or the messages of the field `value`.
    enum Outcome: Equatable, CustomStringConvertible {
        case saved(String)
        case refused([String])

        var description: String {
            switch self {
            case .saved(let v): "saved \(v)"
            case .refused(let m): "refused: \(m.joined(separator: "; "))"
            }
        }
    }

    /// The issue's examples and the grammar's edges, with the right answer for 1-3.1 (a quantity in km with one
    /// decimal place). `nil` means refused for the field `value`; the message must contain the text given.
    static let table: [(input: String, saved: String?, message: String)] = [
        ("+5", "5", ""),
        ("1,234", "1234", ""),
        ("１７．４", "17.4", ""),
        (" 7", "7", ""),
        ("△1", nil, "must not be negative"),
        ("▲1", nil, "must not be negative"),
        ("7\u{3000}", "7", ""),
        ("１，２３４．５", "1234.5", ""),
        ("−2", nil, "must not be negative"),
        ("1,23", nil, "groups of three digits"),
        ("12,34,567", nil, "groups of three digits"),
        ("1 234", nil, "is not a number"),
        (".5", nil, "decimal point"),
        ("1e3", nil, "exponent"),
        ("4.55", nil, "at most 1 decimal place"),
        ("", nil, "is required"),
        ("12345678901234567890123456789012345678", nil, "has 38 digits; a figure has at most 15"),
    ]

    @Test("Each input gives the same answer through PUT …/figures and through figures import")
    func apiAndImportAgree() async throws {
        try await withAPI(passwords: []) { api, world in
            let period = PeriodCode("2021Q1")!
            let department = try await world.db.pool.withConnection { c in
                try c.query(
                    """
                    SELECT d.code FROM indicators i JOIN projects p ON p.id = i.project_id
                    JOIN departments d ON d.id = p.department_id WHERE i.code = '1-3.1'
                    """)[0].decode(String.self, at: 0)
            }
            let clerk = Fixtures.clerk(department)
            try await world.service.setPassword(
                login: clerk, password: World.password(for: clerk), as: .login(Fixtures.admin))
            let token = try await api.login(clerk)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("grammar-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }

            for (n, example) in Self.table.enumerated() {
                let version = try? await world.service.figure(
                    period: period, indicator: "1-3.1", as: .login(clerk)
                ).version

                // The import, as a dry run: it checks everything and saves nothing.
                let file = folder.appendingPathComponent("\(n).csv")
                let quoted = "\"" + example.input.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                try Data("indicator,value,note,version\n1-3.1,\(quoted),測量値,\(version.map(String.init) ?? "")\n".utf8)
                    .write(to: file)
                let before = try await world.snapshot()
                let run = await AdminRun.run(
                    world.db,
                    ["figures", "import", file.path, "--period", "2021Q1", "--dry-run", "--json", "--as", clerk])
                #expect(try await world.snapshot() == before, "the dry run changed something")
                let imported: Outcome
                if run.status == .success {
                    let summary = try #require(
                        try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
                    let figures = try #require(summary["figures"] as? [[String: Any]])
                    imported = .saved(figures.first?["value"] as? String ?? "<none>")
                } else {
                    #expect(run.status == .invalidData, "\(example.input): \(run.stderr)")
                    imported = .refused(
                        run.stderr.split(separator: "\n").compactMap { line in
                            line.hasPrefix("  line 2, value: ")
                                ? String(line.dropFirst("  line 2, value: ".count)) : nil
                        })
                }

                // The API.
                var body = #"{"value": \#(example.input.quoted), "note": "測量値""#
                if let version { body += #", "version": \#(version)"# }
                body += "}"
                let reply = try await api.call(.put, "/api/v1/periods/2021Q1/figures/1-3.1", token: token, json: body)
                let answered: Outcome
                if reply.status == .ok {
                    answered = .saved(reply["value"] as? String ?? "<none>")
                } else {
                    #expect(reply.status == .unprocessableContent, "\(example.input): \(reply.text)")
                    #expect(try await world.snapshot() == before, "a refused PUT changed something")
                    let errors = reply["errors"] as? [[String: String]] ?? []
                    #expect(errors.allSatisfy { $0["field"] == "value" }, "\(example.input): \(reply.text)")
                    answered = .refused(errors.compactMap { $0["message"] })
                }

                #expect(answered == imported, "\(example.input.debugDescription): API \(answered), import \(imported)")
                if let saved = example.saved {
                    #expect(answered == .saved(saved), "\(example.input.debugDescription)")
                } else if case .refused(let messages) = answered {
                    #expect(
                        messages.contains { $0.contains(example.message) },
                        "\(example.input.debugDescription): \(messages)")
                    #expect(!messages.contains { $0.contains("22P02") || $0.contains("breaks the rule") })
                } else {
                    Issue.record("\(example.input.debugDescription) was saved: \(answered)")
                }
            }
        }
    }
}

/// Runs `shinchoku-admin` in-process against a test database, capturing its output.
enum AdminRun {
    struct Result {
        var status: AdminExitStatus
        var stdout: String
        var stderr: String
    }

    final class Text: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        var value: String { lock.withLock { text } }
        func append(_ s: String) { lock.withLock { text += s } }
    }

    static func run(_ db: TestDB, _ arguments: [String]) async -> Result {
        let out = Text()
        let err = Text()
        let context = CommandContext(
            environment: [:], standardOutput: OutputSink { out.append($0) },
            standardError: OutputSink { err.append($0) }, readLine: { nil })
        let conninfo = db.configuration.parameters.map { key, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
            return "\(key)='\(escaped)'"
        }.joined(separator: " ")
        let status = await Admin.run(arguments + ["--database-url", conninfo], context: context)
        return Result(status: status, stdout: out.value, stderr: err.value)
    }
}
