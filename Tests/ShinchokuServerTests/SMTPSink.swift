import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The loopback SMTP server of the notification tests: `Tests/SMTPSink/smtp_sink.py` (Python's aiosmtpd), started
/// and stopped as the tests need, its received mails read back as decoded by Python's email package.
final class SMTPSink: @unchecked Sendable {
    let directory: URL
    private(set) var port: Int
    private var process: Process?

    struct Received: Decodable {
        var to: [String]
        var subject: String
        var rawSubject: String
        var messageId: String
        var date: String
        var contentType: String
        var charset: String?
        var body: String
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SMTPSink/smtp_sink.py")

    /// A Python 3 that has aiosmtpd (Debian's python3-aiosmtpd is in /usr/bin), or nil.
    static let python: String? = {
        let candidates =
            [
                ProcessInfo.processInfo.environment["SHINCHOKU_TEST_PYTHON"], "/usr/bin/python3",
                "/usr/local/bin/python3",
            ]
            .compactMap { $0 }
        return candidates.first { path in
            guard FileManager.default.isExecutableFile(atPath: path) else { return false }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: path)
            p.arguments = ["-c", "import aiosmtpd"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return false }
            p.waitUntilExit()
            return p.terminationStatus == 0
        }
    }()

    /// Whether the tests can run here. Under CI (`CI=true`) a missing aiosmtpd is a failure, not a skip: .ci/run
    /// installs it.
    static func available(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if python != nil { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record(
                "python3 with aiosmtpd is missing: install python3-aiosmtpd (.ci/run does)",
                sourceLocation: sourceLocation)
        } else {
            print("SKIPPED: the SMTP tests need python3 with aiosmtpd (apt-get install python3-aiosmtpd)")
        }
        return false
    }

    /// Starts on a free port.
    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-sink-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = 0
        try start()
    }

    /// Starts (again) on its port; the first start picks a free one.
    func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.python!)
        p.arguments = [Self.script.path, String(port), directory.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { throw SinkError.didNotStart }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("READY "), let chosen = Int(text.dropFirst(6)) else { throw SinkError.didNotStart }
        port = chosen
        process = p
    }

    /// Stops the server (SIGTERM to the process this sink started, SIGKILL if it lingers) and waits for it to exit.
    /// Polls rather than `waitUntilExit`, which spins a run loop on the calling thread.
    func stop() {
        guard let p = process else { return }
        process = nil
        let pid = p.processIdentifier
        kill(pid, SIGTERM)
        for _ in 0..<50 where p.isRunning { usleep(100_000) }
        if p.isRunning {
            kill(pid, SIGKILL)
            for _ in 0..<50 where p.isRunning { usleep(100_000) }
        }
    }

    var url: String { "smtp://127.0.0.1:\(port)" }

    /// Every message received so far, in order.
    func received() throws -> [Received] {
        let file = directory.appendingPathComponent("messages.jsonl")
        guard let data = try? Data(contentsOf: file) else { return [] }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(Received.self, from: Data($0)) }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    enum SinkError: Error { case didNotStart }
}
