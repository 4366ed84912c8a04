import Foundation
import LibPQ
import TestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A Unix-socket proxy in front of the test server that can lose the answer to a COMMIT, deterministically.
///
/// Each client connection is forwarded to the real server. Armed, the proxy waits for a client to send COMMIT,
/// forwards it (so the server receives it and commits), and then either cuts that connection before the answer
/// comes back (`cutAfterCommit`) or holds the answer back until ``release()`` (`holdAfterCommit`). `refuse` closes
/// every new connection at once, as a server that cannot be reached.
final class FaultProxy: @unchecked Sendable {
    enum Mode: Sendable { case pass, cutAfterCommit, cutAfterCommitThenRefuse, holdAfterCommit, refuse }

    let directory: String
    let port = 5432
    private let upstreamPath: String
    private let listener: Int32
    private let condition = NSCondition()
    private var mode = Mode.pass
    private var holding = false
    private var open: Set<Int32> = []
    private var closed = false

    /// A proxy in front of the embedded test server; nil when the tests use a server named by the environment.
    static func inFrontOfTestServer() async throws -> FaultProxy? {
        let server = try await TestDatabase.serverConfiguration()
        let values = Dictionary(server.parameters, uniquingKeysWith: { $1 })
        guard let host = values["host"], host.hasPrefix("/"), let port = values["port"] else { return nil }
        return try FaultProxy(upstream: "\(host)/.s.PGSQL.\(port)")
    }

    init(upstream: String) throws {
        upstreamPath = upstream
        directory = "/tmp/skp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        listener = socket(AF_UNIX, Self.streamType, 0)
        guard listener >= 0, Self.withAddress("\(directory)/.s.PGSQL.\(port)", { bind(listener, $0, $1) }) == 0,
            listen(listener, 16) == 0
        else { throw PostgresError(kind: .client, message: "the proxy cannot listen: errno \(errno)") }
        Thread { [self] in acceptLoop() }.start()
    }

    /// The test database's settings, reached through this proxy.
    func configuration(for db: TestDB) -> ConnectionConfiguration {
        db.configuration.with("host", directory).with("port", String(port))
    }

    func arm(_ mode: Mode) { condition.withLock { self.mode = mode } }

    /// Lets a held answer through.
    func release() {
        condition.withLock {
            holding = false
            condition.broadcast()
        }
    }

    func close() {
        condition.withLock {
            closed = true
            holding = false
            condition.broadcast()
            for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
        }
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let refuse = condition.withLock { closed || mode == .refuse }
            if refuse {
                Glibc.close(client)
                continue
            }
            let server = socket(AF_UNIX, Self.streamType, 0)
            guard Self.withAddress(upstreamPath, { connect(server, $0, $1) }) == 0 else {
                Glibc.close(client)
                Glibc.close(server)
                continue
            }
            condition.withLock {
                open.insert(client)
                open.insert(server)
            }
            let link = Link()
            Thread { [self] in pump(from: client, to: server, clientSide: true, link: link) }.start()
            Thread { [self] in pump(from: server, to: client, clientSide: false, link: link) }.start()
        }
    }

    /// What one client connection's answers are doing: set before its COMMIT is forwarded, so that the server's
    /// answer (which can only follow the COMMIT) never slips through ahead of the decision.
    private final class Link: @unchecked Sendable {
        var held = false  // guarded by the proxy's `condition`
        var cut = false  // guarded by the proxy's `condition`
    }

    private func pump(from source: Int32, to target: Int32, clientSide: Bool, link: Link) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(source, &buffer, buffer.count)
            guard n > 0 else { break }
            let chunk = Array(buffer[0..<n])
            if !clientSide {
                // The server's answer waits while this connection's COMMIT answer is held, and is dropped once the
                // connection is cut.
                let drop = condition.withLock {
                    while link.held && holding && !closed { condition.wait() }
                    return link.cut
                }
                if drop { break }
            }
            // The statement COMMIT itself (a Parse message's query text), not READ COMMITTED in a BEGIN.
            var action = Mode.pass
            if clientSide, Self.contains(chunk, "\0COMMIT\0") {
                action = condition.withLock {
                    let m = mode
                    switch m {
                    case .cutAfterCommit, .holdAfterCommit: mode = .pass
                    case .cutAfterCommitThenRefuse: mode = .refuse
                    default: break
                    }
                    if m == .holdAfterCommit {
                        holding = true
                        link.held = true
                    }
                    if m == .cutAfterCommit || m == .cutAfterCommitThenRefuse { link.cut = true }
                    return m
                }
            }
            // send with MSG_NOSIGNAL: a peer that went away must not end the test process with SIGPIPE.
            guard send(target, chunk, n, Int32(MSG_NOSIGNAL)) == n else { break }
            if action == .cutAfterCommit || action == .cutAfterCommitThenRefuse {
                // The server has the COMMIT; its answer is lost with the connection.
                shutdown(source, Int32(SHUT_RDWR))
                shutdown(target, Int32(SHUT_RDWR))
            }
        }
        shutdown(source, Int32(SHUT_RDWR))
        shutdown(target, Int32(SHUT_RDWR))
        condition.withLock {
            if open.remove(source) != nil { Glibc.close(source) }
        }
    }

    private static func contains(_ bytes: [UInt8], _ text: String) -> Bool {
        let needle = Array(text.utf8)
        guard bytes.count >= needle.count else { return false }
        return (0...(bytes.count - needle.count)).contains { i in bytes[i..<i + needle.count].elementsEqual(needle) }
    }

    private static var streamType: Int32 {
        #if canImport(Glibc)
            Int32(SOCK_STREAM.rawValue)
        #else
            SOCK_STREAM
        #endif
    }

    private static func withAddress(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return -1 }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body($0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }
}
