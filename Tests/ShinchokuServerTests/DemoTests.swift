import Foundation
import Testing

@testable import ShinchokuServer

@Suite("The demo's data directory")
struct DemoTests {
    @Test("a path whose Unix socket would not fit falls back to /tmp/shinchoku-demo-<uid>")
    func socketPathLimit() throws {
        let logs = LogCapture()
        let base = "/tmp/sk-demo-test-\(UInt32.random(in: 0 ... .max))"
        defer { try? FileManager.default.removeItem(atPath: base) }

        let short = try DemoServer.dataDirectory(configured: base + "/pg", logger: logs.logger())
        #expect(short.path == base + "/pg")
        #expect(FileManager.default.fileExists(atPath: base))

        let long = base + "/" + String(repeating: "長", count: 30) + "/pg"
        #expect(!DemoServer.socketPathFits(URL(fileURLWithPath: long)))
        let fallback = try DemoServer.dataDirectory(configured: long, logger: logs.logger())
        #expect(fallback.path == "/tmp/shinchoku-demo-\(getuid())")
        #expect(logs.all.contains { $0.contains("too long") })
    }
}
