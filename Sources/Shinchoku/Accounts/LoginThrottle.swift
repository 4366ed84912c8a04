import Foundation
import LibPQ

/// Fair login throttling (docs/workflow.md, "Accounts and sessions"): failed logins are counted per login and
/// client address, and per client address across logins, within ``window``. A few failures are free; after
/// that each further attempt waits twice as long as the one before (1 s, 2 s, 4 s, … up to ``longestWait``),
/// counted from the latest failure. The right password from another address is never slowed down by failures from
/// this one, and a password tried across many logins from one address is slowed down all the same.
public struct LoginThrottle: Sendable, Equatable {
    /// Failures of one login from one address, within the window, before attempts wait.
    public var freeFailuresPerLogin: Int
    /// Failures from one address for any logins, within the window, before attempts wait.
    public var freeFailuresPerAddress: Int
    /// How far back failures count.
    public var window: Duration
    /// The longest wait.
    public var longestWait: Duration

    public init(
        freeFailuresPerLogin: Int = 5, freeFailuresPerAddress: Int = 20, window: Duration = .seconds(15 * 60),
        longestWait: Duration = .seconds(15 * 60)
    ) {
        self.freeFailuresPerLogin = freeFailuresPerLogin
        self.freeFailuresPerAddress = freeFailuresPerAddress
        self.window = window
        self.longestWait = longestWait
    }

    /// The limits in force.
    static let standard = LoginThrottle()

    /// The address recorded when the caller knows none (the service called directly, not through HTTP).
    public static let unknownAddress = "unknown"

    /// The wait in milliseconds after `failures` failures, `free` of which cost nothing; 0 for no wait.
    func waitMilliseconds(failures: Int, free: Int) -> Int {
        guard failures >= free else { return 0 }
        let longest = Int(longestWait.components.seconds) * 1000
        let doublings = failures - free
        // 2^doublings seconds, without overflowing for a long attack.
        return doublings >= 20 ? longest : min(longest, (1 << doublings) * 1000)
    }

    /// Seconds the attempt must wait, or nil when it may go ahead: the longer of the two limits.
    func wait(_ c: Connection, login: String, address: String) throws -> Int? {
        let windowSeconds = Int(window.components.seconds)
        let r = try c.query(
            """
            SELECT count(*) FILTER (WHERE login = \(login))::int,
                   coalesce(ceil(extract(epoch FROM now() - max(failed_at) FILTER (WHERE login = \(login))) * 1000),
                            0)::bigint,
                   count(*)::int,
                   coalesce(ceil(extract(epoch FROM now() - max(failed_at)) * 1000), 0)::bigint
            FROM login_failures
            WHERE client_address = \(address) AND failed_at > now() - make_interval(secs => \(windowSeconds))
            """)[0]
        let (pairFailures, pairSince, addressFailures, addressSince) = try r.decode((Int, Int, Int, Int).self)
        let pair = waitMilliseconds(failures: pairFailures, free: freeFailuresPerLogin) - pairSince
        let all = waitMilliseconds(failures: addressFailures, free: freeFailuresPerAddress) - addressSince
        let remaining = max(pair, all)
        return remaining > 0 ? (remaining + 999) / 1000 : nil
    }

    static func recordFailure(_ c: Connection, login: String, address: String) throws {
        try c.execute("INSERT INTO login_failures (login, client_address) VALUES (\(login), \(address))")
        // Only the window matters for throttling; a day is kept for looking into an attack. Pruning here keeps
        // the table small without a separate maintenance job.
        try c.execute("DELETE FROM login_failures WHERE failed_at < now() - interval '1 day'")
    }

    /// A successful login forgives its own address's failures for that login, not other addresses'.
    static func clear(_ c: Connection, login: String, address: String) throws {
        try c.execute("DELETE FROM login_failures WHERE login = \(login) AND client_address = \(address)")
    }

    /// The address as recorded: trimmed and capped; empty or absent is ``unknownAddress``.
    static func normalized(_ address: String?) -> String {
        let trimmed = (address ?? "").trimmingCharacters(in: .whitespaces).prefix(64)
        return trimmed.isEmpty ? unknownAddress : String(trimmed)
    }
}
