import Foundation
import HummingbirdBcrypt
import LibPQ
import Synchronization

/// Passwords: the rules a new password must meet, bcrypt hashing and checking, and generated passwords.
///
/// bcrypt at cost 12 takes about a quarter of a second of CPU. It never runs on Swift's cooperative pool (two
/// threads on this host: two logins at once would stall every request) nor inside a database transaction (it would
/// hold a pooled connection for that long). It runs on ``threads``, threads of its own.
enum PasswordHasher {
    /// bcrypt reads at most 72 bytes; a longer password would be silently cut, so it is refused instead.
    static let maximumBytes = PasswordPolicy.maximumBytes
    /// Generated passwords: 24 characters of 64 (144 bits), safe in URLs, shells and e-mail.
    static let generatedLength = 24
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    /// The threads that run bcrypt, one per core as NIO's thread pool has, alive as long as the process. Shinchoku
    /// does not depend on NIOPosix (hummingbird-auth's Bcrypt does not either), so LibPQ's blocking-thread type,
    /// which the connections' threads use too, stands in for `NIOThreadPool.singleton`.
    static let threads = BlockingThreads(
        count: max(2, ProcessInfo.processInfo.activeProcessorCount), name: "shinchoku-bcrypt")

    /// Adds the field errors of a new password for the account `login` named `displayName`, if any
    /// (``PasswordPolicy``).
    static func check(
        _ password: String, login: String, displayName: String, into v: inout Validation, field: String = "password"
    ) {
        for refusal in PasswordPolicy.refusals(password, login: login, displayName: displayName) {
            v.add(field, refusal)
        }
    }

    /// Whether a password typed at login could be one we stored. Anything else is wrong without asking bcrypt,
    /// which would otherwise accept a stored password followed by a NUL or by bytes past the 72nd.
    static func couldBeStored(_ password: String) -> Bool {
        password.utf8.count <= maximumBytes && !password.utf8.contains(0)
    }

    /// A strong random password, from the system's cryptographic generator.
    static func generate() -> String {
        var rng = SystemRandomNumberGenerator()  // getrandom(2) on Linux
        return String((0..<generatedLength).map { _ in alphabet.randomElement(using: &rng)! })
    }

    /// bcrypt jobs queued or running on ``threads`` now, for the server's metrics.
    static let queued = Atomic<Int>(0)

    /// The bcrypt hash of a password, computed off the cooperative pool.
    static func hash(_ password: String, cost: UInt8) async -> String {
        await counted { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether a password matches a bcrypt hash, checked off the cooperative pool.
    static func verify(_ password: String, hash: String) async -> Bool {
        await counted { Bcrypt.verify(password, hash: hash) }
    }

    private static func counted<T: Sendable>(_ job: @escaping @Sendable () -> T) async -> T {
        queued.add(1, ordering: .relaxed)
        defer { queued.subtract(1, ordering: .relaxed) }
        return await threads.run(job)
    }

    /// A hash that no password is known to match, to check against when there is no real one (unknown login,
    /// account without a password) so that such a login takes as long as a wrong password.
    /// The salt and digest are fixed, well-formed and arbitrary (a malformed hash would be refused at once, and
    /// that speed would give the login away); the cost is the service's, so the work is that of a real check.
    static func dummyHash(cost: UInt8) -> String {
        let c = cost < 10 ? "0\(cost)" : "\(cost)"
        return "$2b$\(c)$" + "pYn8tG0Hq9Hc7Jq3Ph0vUuYzJ9v0yqJm6c2m9Qm3R1b7w1Q5qQm2a"
    }
}

extension ShinchokuService {
    /// bcrypt jobs (logins, password changes, new accounts) queued or running now, process-wide: the server's
    /// `shinchoku_bcrypt_queue` metric. More than the bcrypt threads (one per core) means logins are waiting.
    public static var passwordHashingQueue: Int { PasswordHasher.queued.load(ordering: .relaxed) }
}
