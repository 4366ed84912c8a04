import Foundation
import LibPQ
import TestSupport
import Testing

@testable import Shinchoku

/// Issue 12 §5: throttling by (login, client address) and by client address across logins, with backoff.
@Suite struct LoginThrottleTests {
    static let password = "correct horse battery"
    let admin = ActorReference.login(Fixtures.admin)
    let clerk = Fixtures.clerk("ports")
    let attacker = "198.51.100.7"
    let owner = "203.0.113.9"

    func world(_ db: TestDB) async throws -> ShinchokuService {
        try await Fixtures.standard(db)
        let service = db.service()
        _ = try await service.setPassword(login: clerk, password: Self.password, as: admin)
        return service
    }

    /// Failures recorded directly (bcrypt for each would take a quarter of a second): `count` of them for
    /// `login` (or a different login each) from `address`, the latest `secondsAgo`, one second apart.
    static func fail(
        _ db: TestDB, _ count: Int, login: String?, from address: String, latestSecondsAgo secondsAgo: Int = 0
    ) async throws {
        try await db.pool.withConnection { c in
            for i in 0..<count {
                try c.execute(
                    """
                    INSERT INTO login_failures (login, client_address, failed_at)
                    VALUES (\(login ?? "someone-\(i)"), \(address), now() - make_interval(secs => \(secondsAgo + i)))
                    """)
            }
        }
    }

    @Test("Ten wrong passwords from one address do not lock the owner out: the right password from another works")
    func theOwnerStillLogsInFromAnotherAddress() async throws {
        try await TestDatabase.with { db in
            let service = try await world(db)
            // Ten wrong passwords from the attacker's address: two through the service, eight recorded
            // directly, the latest just now (a real loop would make the test depend on bcrypt's speed).
            for _ in 0..<2 {
                await AccountTestKit.refusal(.unauthenticated) {
                    try await service.login(login: clerk, password: "wrong password here", clientAddress: attacker)
                }
            }
            try await Self.fail(db, 8, login: clerk, from: attacker)
            let throttled = await AccountTestKit.refusal(.throttled) {
                try await service.login(login: clerk, password: Self.password, clientAddress: attacker)
            }
            #expect(
                throttled?.retryAfterSeconds.map { (25...32).contains($0) } == true, "\(String(describing: throttled))")
            let session = try await service.login(login: clerk, password: Self.password, clientAddress: owner)
            #expect(session.user.login == clerk)
            // The owner's success forgives the owner's address only, not the attacker's failures.
            await AccountTestKit.refusal(.throttled) {
                try await service.login(login: clerk, password: Self.password, clientAddress: attacker)
            }
        }
    }

    @Test("Five failures are free; then each attempt waits twice as long, counted from the latest failure")
    func backoff() async throws {
        try await TestDatabase.with { db in
            let service = try await world(db)
            // 4 failures: the 5th attempt goes ahead (and is wrong).
            try await Self.fail(db, 4, login: clerk, from: attacker)
            await AccountTestKit.refusal(.unauthenticated) {
                try await service.login(login: clerk, password: "wrong password here", clientAddress: attacker)
            }
            // 5 failures, the latest just now: wait 1 s.
            let first = await AccountTestKit.refusal(.throttled) {
                try await service.login(login: clerk, password: Self.password, clientAddress: attacker)
            }
            #expect(first?.retryAfterSeconds == 1)
        }
        try await TestDatabase.with { db in
            let service = try await world(db)
            // 8 failures, the latest 3 s ago: 2^(8−5) = 8 s after it, so 5 s to go.
            try await Self.fail(db, 8, login: clerk, from: attacker, latestSecondsAgo: 3)
            let wait = await AccountTestKit.refusal(.throttled) {
                try await service.login(login: clerk, password: Self.password, clientAddress: attacker)
            }
            #expect((4...5).contains(wait?.retryAfterSeconds ?? 0), "\(String(describing: wait))")
            // Throttled attempts are not failures themselves, or the wait would never end.
            #expect(try await Self.failures(db, address: attacker) == 8)
        }
        try await TestDatabase.with { db in
            let service = try await world(db)
            // 8 failures, the latest 9 s ago: the 8 s have passed, and the right password works.
            try await Self.fail(db, 8, login: clerk, from: attacker, latestSecondsAgo: 9)
            _ = try await service.login(login: clerk, password: Self.password, clientAddress: attacker)
            #expect(try await Self.failures(db, address: attacker) == 0)
        }
    }

    @Test("No hard lock: a long attack waits at most 15 minutes, and failures older than 15 minutes do not count")
    func noHardLock() async throws {
        try await TestDatabase.with { db in
            let service = try await world(db)
            try await Self.fail(db, 60, login: clerk, from: attacker)
            let wait = await AccountTestKit.refusal(.throttled) {
                try await service.login(login: clerk, password: Self.password, clientAddress: attacker)
            }
            #expect((890...900).contains(wait?.retryAfterSeconds ?? 0), "\(String(describing: wait))")
            try await db.arrange { c in
                try c.execute("UPDATE login_failures SET failed_at = failed_at - interval '15 minutes'")
            }
            _ = try await service.login(login: clerk, password: Self.password, clientAddress: attacker)
        }
    }

    @Test("One password tried across many logins from one address is throttled; other addresses are not")
    func sprayingAcrossLogins() async throws {
        try await TestDatabase.with { db in
            let service = try await world(db)
            try await Self.fail(db, 20, login: nil, from: attacker)
            let throttled = await AccountTestKit.refusal(.throttled) {
                try await service.login(login: "someone-new", password: "Summer2026!!", clientAddress: attacker)
            }
            #expect(throttled?.retryAfterSeconds == 1)
            // Nothing about the accounts themselves: the owner logs in from elsewhere, the attacker waits.
            _ = try await service.login(login: clerk, password: Self.password, clientAddress: owner)
            await AccountTestKit.refusal(.unauthenticated) {
                try await service.login(login: "someone-new", password: "Summer2026!!", clientAddress: owner)
            }
            #expect(try await Self.failures(db, address: owner) == 1)
        }
    }

    @Test("The wait doubles: 1 s after 5 failures up to 15 minutes")
    func waits() {
        let t = LoginThrottle()
        #expect(t.waitMilliseconds(failures: 4, free: 5) == 0)
        #expect(t.waitMilliseconds(failures: 5, free: 5) == 1000)
        #expect(t.waitMilliseconds(failures: 6, free: 5) == 2000)
        #expect(t.waitMilliseconds(failures: 14, free: 5) == 512_000)
        #expect(t.waitMilliseconds(failures: 15, free: 5) == 900_000)
        #expect(t.waitMilliseconds(failures: 10_000, free: 5) == 900_000)
    }

    static func failures(_ db: TestDB, address: String) async throws -> Int {
        try await db.pool.withConnection { c in
            try c.query("SELECT count(*) FROM login_failures WHERE client_address = \(address)")[0].decode(
                Int.self, at: 0)
        }
    }
}

/// Issue 12 §5: the password policy of OWASP ASVS 5.0 V6.
@Suite struct PasswordPolicyTests {
    let admin = ActorReference.login(Fixtures.admin)

    @Test("Common passwords, the login, the display name and short passwords are refused; nothing changes")
    func refused() async throws {
        try await TestDatabase.with { db in
            try await Fixtures.standard(db)
            let service = db.service()
            let cases: [(login: String, name: String, password: String, message: String)] = [
                ("yamada", "山田 花子", "qwerty123456", "is one of the 10,000 most common passwords"),
                ("yamada", "山田 花子", "QWERTY123456", "is one of the 10,000 most common passwords"),
                ("yamada", "山田 花子", "1q2w3e4r5t6y", "is one of the 10,000 most common passwords"),
                ("yamada-hanako", "山田 花子", "Yamada-Hanako", "must not be the account's login or name"),
                ("kikaku", "Prefecture Planning", "prefectureplanning", "must not be the account's login or name"),
                ("yamada", "山田 花子", "short pass!", "must be at least 12 characters (it has 11)"),
                (
                    "yamada", "山田 花子", String(repeating: "進", count: 25),
                    "this one has 25 characters taking 75 bytes"
                ),
            ]
            for c in cases {
                let error = try await AccountTestKit.expectRefusedUnchanged(db, .invalid, field: "password") {
                    try await service.createUser(
                        login: c.login, displayName: c.name, role: .clerk, department: "ports", password: c.password,
                        as: admin)
                }
                #expect(
                    error?.fieldErrors.contains { $0.message.contains(c.message) } == true,
                    "\(c): \(String(describing: error))")
            }
            // Setting a password checks it against the account's own login and name too.
            let error = try await AccountTestKit.expectRefusedUnchanged(db, .invalid, field: "password") {
                try await service.setPassword(login: Fixtures.clerk("ports"), password: "CLERK-PORTS", as: admin)
            }
            #expect(error != nil)
            _ = try await AccountTestKit.expectRefusedUnchanged(db, .invalid, field: "password") {
                try await service.setPassword(login: Fixtures.clerk("ports"), password: "123456654321", as: admin)
            }
        }
    }

    @Test("A long, uncommon passphrase of 24 Japanese characters (72 bytes) is fine")
    func accepted() async throws {
        #expect(PasswordPolicy.problems(String(repeating: "進", count: 24), login: "a", displayName: "b").isEmpty)
        #expect(PasswordPolicy.problems("correct horse battery", login: "sato", displayName: "佐藤 次郎").isEmpty)
        #expect(PasswordPolicy.commonPasswords.count == 10_000)
        #expect(PasswordPolicy.isCommon("123456") && PasswordPolicy.isCommon("Password"))
    }

    @Test("The passwords tests and the demo use satisfy the policy")
    func fixturesFollowThePolicy() {
        let used = [
            "correct horse battery", "correct horse battery staple", "another long passphrase", "long enough pass",
            "first long password", "second long password",
        ]
        for p in used {
            #expect(PasswordPolicy.problems(p, login: "clerk-ports", displayName: "担当 ports").isEmpty, "\(p)")
        }
        // The server tests' passwords and a generated one (the demo's).
        for login in ["clerk-ports", "approver", "admin"] {
            let p = "Secret-\(login)-Passw0rd!"
            #expect(PasswordPolicy.problems(p, login: login, displayName: "x").isEmpty, "\(p)")
        }
        #expect(PasswordPolicy.problems(PasswordHasher.generate(), login: "admin", displayName: "管理者").isEmpty)
    }
}
