import Crypto
import Foundation
import LibPQ
import TestSupport
import Testing

@testable import Shinchoku

/// Serialized: the timing test compares login times, which other logins running alongside would disturb.
@Suite(.serialized) struct SessionTests {
    static let password = "correct horse battery"
    let admin = ActorReference.login(Fixtures.admin)
    let clerk = Fixtures.clerk("ports")

    /// The standard world, with a password for the ports clerk.
    func world(_ db: TestDB, bcryptCost: UInt8 = TestDatabase.bcryptCost) async throws -> ShinchokuService {
        let service = ShinchokuService(pool: db.pool, bcryptCost: bcryptCost)
        _ = try await service.setPassword(login: clerk, password: Self.password, as: admin)
        return service
    }

    static func failureCount(_ db: TestDB, _ login: String) async throws -> Int {
        try await db.pool.withConnection { c in
            try c.query("SELECT count(*) FROM login_failures WHERE login = \(login)")[0].decode(Int.self, at: 0)
        }
    }

    @Test func theRightPasswordGivesATokenThatWorks() async throws {
        try await TestDatabase.withStandard { db in
            let service = try await world(db)
            let mark = try await AccountTestKit.lastAuditID(db)
            let started = Date()
            let session = try await service.login(login: clerk, password: Self.password)
            #expect(session.user.login == clerk && session.user.department == "ports")
            #expect(abs(session.expiresAt.timeIntervalSince(started) - 8 * 3600) < 60)
            #expect(!String(describing: session).contains(session.token))

            let me = try await service.me(token: session.token)
            #expect(me == session.user)
            // The token acts for its account everywhere.
            #expect(try await service.periods(as: .session(token: session.token)).count == 3)

            let events = try await AccountTestKit.auditRows(db, after: mark)
            #expect(events.count == 1)
            #expect(events.first?.action == "session.login" && events.first?.entity == "session")
            #expect(events.first?.entityID == clerk && events.first?.actorLogin == clerk)
            #expect(events.first?.actorID == (try await AccountTestKit.userID(db, clerk)))
        }
    }

    @Test func tokensAreStoredOnlyAsTheirSHA256() async throws {
        try await TestDatabase.withStandard { db in
            let service = try await world(db)
            let session = try await service.login(login: clerk, password: Self.password)
            #expect(try await AccountTestKit.tablesContaining(db, session.token).isEmpty)
            let stored = try await db.pool.withConnection { c in
                try c.query("SELECT encode(token_hash, 'hex') FROM sessions").decodeColumn(String.self)
            }
            let expected = SHA256.hash(data: Data(session.token.utf8)).map { String(format: "%02x", $0) }.joined()
            #expect(stored == [expected])
        }
    }

    @Test func loginIgnoresTheCaseOfTheLogin() async throws {
        try await TestDatabase.withStandard { db in
            let service = try await world(db)
            let session = try await service.login(login: "Clerk-Ports", password: Self.password)
            #expect(session.user.login == clerk)
        }
    }

    @Test func everyRefusedLoginLooksTheSame() async throws {
        try await TestDatabase.withStandard { db in
            let service = try await world(db)
            let wrongPassword = await AccountTestKit.refusal(.unauthenticated) {
                try await service.login(login: clerk, password: "wrong password here")
            }
            let unknownLogin = await AccountTestKit.refusal(.unauthenticated) {
                try await service.login(login: "nobody", password: Self.password)
            }
            // An account without a password (the fixtures' approver) and a disabled account.
            let noPassword = await AccountTestKit.refusal(.unauthenticated) {
                try await service.login(login: Fixtures.approver, password: Self.password)
            }
            _ = try await service.setPassword(login: Fixtures.clerk("water"), password: Self.password, as: admin)
            _ = try await service.disableUser(login: Fixtures.clerk("water"), as: admin)
            let disabled = await AccountTestKit.refusal(.unauthenticated) {
                try await service.login(login: Fixtures.clerk("water"), password: Self.password)
            }
            // A stored password with something bcrypt would ignore after it.
            let nulSuffix = await AccountTestKit.refusal(.unauthenticated) {
                try await service.login(login: clerk, password: Self.password + "\u{0}extra")
            }
            #expect(wrongPassword != nil)
            #expect(wrongPassword?.message == "The login or password is wrong.")
            for other in [unknownLogin, noPassword, disabled, nulSuffix] { #expect(other == wrongPassword) }
            // Each was recorded as a failure.
            #expect(try await Self.failureCount(db, clerk) == 2)
            #expect(try await Self.failureCount(db, "nobody") == 1)
        }
    }

    @Test func failuresOlderThanADayArePrunedWhenAnotherIsRecorded() async throws {
        try await TestDatabase.withStandard { db in
            let service = try await world(db)
            try await db.pool.withTransaction { c in
                try c.execute(
                    "INSERT INTO login_failures (login, failed_at) VALUES ('someone', now() - interval '2 days'), ('someone', now() - interval '1 hour')"
                )
            }
            await #expect(throws: ServiceError.self) {
                try await service.login(login: clerk, password: "wrong password!")
            }
            #expect(try await Self.failureCount(db, "someone") == 1)  // the recent one stays
            #expect(try await Self.failureCount(db, clerk) == 1)
        }
    }

    @Test func fiveFailuresFromOneAddressThrottleEvenTheRightPassword() async throws {
        try await TestDatabase.withStandard { db in
            let service = try await world(db)
            for _ in 0..<5 {
                await AccountTestKit.refusal(.unauthenticated) {
                    try await service.login(login: clerk, password: "wrong password here")
                }
            }
            let throttled = await AccountTestKit.refusal(.throttled) {
                try await service.login(login: clerk, password: Self.password)
            }
            let wait = try #require(throttled?.retryAfterSeconds)
            #expect(wait > 0 && wait <= 15 * 60)
            // Throttled attempts are not failures themselves, or the wait would never end.
            #expect(try await Self.failureCount(db, clerk) == 5)
            await AccountTestKit.refusal(.throttled) {
                try await service.login(login: clerk, password: "wrong password here")
            }
            #expect(try await Self.failureCount(db, clerk) == 5)
            // The same login in capitals is the same login.
            await AccountTestKit.refusal(.throttled) {
                try await service.login(login: "CLERK-PORTS", password: Self.password)
            }
            // Other accounts are not affected.
            _ = try await service.setPassword(login: Fixtures.clerk("water"), password: Self.password, as: admin)
            _ = try await service.login(login: Fixtures.clerk("water"), password: Self.password)
        }
    }

    @Test func theWaitCountsFromTheLatestFailureAndFailuresExpireAfterFifteenMinutes() async throws {
        try await TestDatabase.withStandard { db in
            let service = try await world(db)
            // Ten failures, the latest 20 s ago: 2^(10 − 5) = 32 s after it, so about 12 s to wait
            // (LoginThrottleTests covers the rule itself).
            try await db.pool.withConnection { c in
                for i in 0..<10 {
                    try c.execute(
                        """
                        INSERT INTO login_failures (login, failed_at)
                        VALUES (\(clerk), now() - interval '20 seconds' - make_interval(secs => \(i * 6)))
                        """)
                }
            }
            let throttled = await AccountTestKit.refusal(.throttled) {
                try await service.login(login: clerk, password: Self.password)
            }
            let wait = try #require(throttled?.retryAfterSeconds)
            #expect((10...12).contains(wait), "\(wait)")

            // Failures older than 15 minutes do not count.
            try await db.arrange { c in
                try c.execute("UPDATE login_failures SET failed_at = failed_at - interval '15 minutes'")
            }
            _ = try await service.login(login: clerk, password: Self.password)
        }
    }

    @Test func aSuccessfulLoginClearsThatLoginsFailures() async throws {
        try await TestDatabase.withStandard { db in
            let service = try await world(db)
            for _ in 0..<3 {
                await AccountTestKit.refusal(.unauthenticated) {
                    try await service.login(login: clerk, password: "wrong password here")
                }
            }
            await AccountTestKit.refusal(.unauthenticated) {
                try await service.login(login: "nobody", password: "wrong password here")
            }
            _ = try await service.login(login: clerk, password: Self.password)
            #expect(try await Self.failureCount(db, clerk) == 0)
            #expect(try await Self.failureCount(db, "nobody") == 1)
        }
    }

    @Test func logoutEndsTheSession() async throws {
        try await TestDatabase.withStandard { db in
            let service = try await world(db)
            let first = try await service.login(login: clerk, password: Self.password)
            let second = try await service.login(login: clerk, password: Self.password)
            let mark = try await AccountTestKit.lastAuditID(db)
            try await service.logout(token: first.token)
            let events = try await AccountTestKit.auditRows(db, after: mark)
            #expect(events.map(\.action) == ["session.logout"])
            #expect(events.first?.entityID == clerk && events.first?.actorLogin == clerk)
            try await AccountTestKit.expectRefusedUnchanged(db, .unauthenticated) {
                try await service.me(token: first.token)
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .unauthenticated) {
                try await service.logout(token: first.token)
            }
            // Only that session ended.
            #expect(try await service.me(token: second.token).login == clerk)
        }
    }

    @Test func anExpiredSessionIsRefused() async throws {
        try await TestDatabase.withStandard { db in
            let service = try await world(db)
            let session = try await service.login(login: clerk, password: Self.password)
            try await db.arrange { c in
                try c.execute(
                    "UPDATE sessions SET created_at = now() - interval '9 hours', expires_at = now() - interval '1 second'"
                )
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .unauthenticated) {
                try await service.me(token: session.token)
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .unauthenticated) {
                try await service.periods(as: .session(token: session.token))
            }
        }
    }

    @Test func aMadeUpTokenIsRefused() async throws {
        try await TestDatabase.withStandard { db in
            let service = try await world(db)
            for token in ["", "not a token", SessionToken.generate()] {
                try await AccountTestKit.expectRefusedUnchanged(db, .unauthenticated) {
                    try await service.me(token: token)
                }
            }
        }
    }

    /// bcrypt dominates a login, and runs whether or not the login exists: an unknown login must not answer
    /// noticeably faster than a known one with a wrong password.
    @Test func unknownAndKnownLoginsTakeAboutAsLong() async throws {
        try await TestDatabase.withStandard { db in
            // At the deployed cost: what is timed is bcrypt's work.
            let service = try await world(db, bcryptCost: ShinchokuService.minimumBcryptCost)
            let clock = ContinuousClock()
            var unknown: [Duration] = []
            var known: [Duration] = []
            // Interleaved, so that anything else the machine does affects both alike.
            for i in 0..<5 {
                unknown.append(
                    await clock.measure {
                        _ = try? await service.login(login: "nobody-\(i)", password: "wrong password here")
                    })
                known.append(
                    await clock.measure {
                        _ = try? await service.login(login: clerk, password: "wrong password here")
                    })
            }
            func median(_ d: [Duration]) -> Duration { d.sorted()[d.count / 2] }
            let (u, k) = (median(unknown), median(known))
            #expect(u < k * 2 && k < u * 2, "unknown \(u), known \(k)")
            // Sanity: bcrypt really ran for the unknown login.
            #expect(u > .milliseconds(20), "unknown \(u)")
        }
    }
}
