import EmbeddedPostgres
import Foundation
import Testing

@testable import ShinchokuServer

/// Issue 12 §6: a second demo in the same directory leaves the first one alone.
@Suite("Demo ownership")
struct DemoOwnershipTests {
    @Test("a second demo says the first is running and exits without touching its PostgreSQL", .timeLimit(.minutes(5)))
    func secondDemo() async throws {
        let base = "/tmp/sk-demo2-\(UInt32.random(in: 0 ... .max))"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let directory = URL(fileURLWithPath: base + "/pg")
        // The first demo: it holds the directory's lock and has started its PostgreSQL.
        let first = try DemoLock.acquire(for: directory, url: "http://127.0.0.1:18080")
        let postgres = EmbeddedPostgres(dataDirectory: directory)
        #expect(try await Self.onThread { try postgres.start(fastButUnsafe: true) } == true)
        do {
            // A start that finds the server running did not start it, so it must not stop it.
            #expect(try await Self.onThread { try postgres.start(fastButUnsafe: true) } == false)
            let logs = LogCapture()
            let second = DemoServer(
                configuration: ServerConfiguration(port: 0, demo: true, demoDataDirectory: directory.path),
                logger: logs.logger())
            let error = await #expect(throws: ServerStartError.self) { try await second.run() }
            let message = error?.description ?? ""
            #expect(message.contains("already running"), "\(message)")
            #expect(message.contains("pid \(getpid())"), "\(message)")
            #expect(postgres.isRunning, "the second demo stopped the first one's PostgreSQL")
            #expect(!logs.all.contains { $0.contains("stopping") })
        }
        withExtendedLifetime(first) {}
        try await Self.onThread { try postgres.stop() }
        #expect(!postgres.isRunning)
    }

    @Test("the demo's lock is free again once its holder is gone")
    func lockIsReleased() throws {
        let base = "/tmp/sk-demo3-\(UInt32.random(in: 0 ... .max))"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let directory = URL(fileURLWithPath: base + "/pg")
        var first: DemoLock? = try DemoLock.acquire(for: directory, url: "http://127.0.0.1:1")
        #expect(throws: ServerStartError.self) { try DemoLock.acquire(for: directory, url: "http://127.0.0.1:2") }
        #expect(first != nil)
        first = nil
        _ = try DemoLock.acquire(for: directory, url: "http://127.0.0.1:3")
    }

    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}
