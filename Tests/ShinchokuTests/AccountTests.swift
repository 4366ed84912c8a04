import Foundation
import HummingbirdBcrypt
import LibPQ
import TestSupport
import Testing

@testable import Shinchoku

@Suite struct AccountTests {
    let admin = ActorReference.login(Fixtures.admin)

    // MARK: Creating accounts

    @Test func createUserStoresOnlyABcryptHashAndAuditsOnce() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            let mark = try await AccountTestKit.lastAuditID(db)
            let created = try await service.createUser(
                login: "tanaka.k", displayName: "田中 健", role: .clerk, department: "ports",
                password: "correct horse battery", as: admin)
            #expect(created.generatedPassword == nil)
            #expect(created.user.login == "tanaka.k" && created.user.displayName == "田中 健")
            #expect(created.user.role == .clerk && created.user.department == "ports")
            #expect(!created.user.disabled && created.user.version == 1)

            let hash = try await AccountTestKit.passwordHash(db, "tanaka.k")
            #expect(hash.hasPrefix("$2b$0\(TestDatabase.bcryptCost)$"))
            #expect(Bcrypt.verify("correct horse battery", hash: hash))

            let events = try await AccountTestKit.auditRows(db, after: mark)
            #expect(events.count == 1)
            let e = try #require(events.first)
            #expect(e.action == "user.create" && e.entity == "user" && e.entityID == "tanaka.k")
            let adminID = try await AccountTestKit.userID(db, "admin")
            #expect(e.actorLogin == "admin" && e.actorID == adminID)
            #expect(e.before == nil && e.reason == nil)
            let after = try #require(e.after)
            #expect(after.contains("\"role\": \"clerk\"") && after.contains("\"department\": \"ports\""))
            #expect(!after.contains("$2b$") && !after.contains("password"))
        }
    }

    @Test func withoutAPasswordAStrongOneIsGeneratedAndShownOnce() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            let created = try await service.createUser(
                login: "sato", displayName: "佐藤", role: .approver, department: "planning", as: admin)
            let password = try #require(created.generatedPassword)
            #expect(password.count >= 20)
            let urlSafe = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
            #expect(password.allSatisfy { urlSafe.contains($0) })
            #expect(!String(describing: created).contains(password))
            #expect(!String(reflecting: created).contains(password))
            // Stored nowhere in clear.
            #expect(try await AccountTestKit.tablesContaining(db, password).isEmpty)
            // And it works.
            let session = try await service.login(login: "sato", password: password)
            #expect(session.user.role == .approver)
            // Two generated passwords differ.
            #expect(PasswordHasher.generate() != PasswordHasher.generate())
        }
    }

    @Test func approverMayBeOutsideAnyDepartmentAndAdminIsInNone() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            let approver = try await service.createUser(
                login: "reviewer", displayName: "審査", role: .approver, department: nil, password: "long enough pass",
                as: admin)
            #expect(approver.user.department == nil)
            let second = try await service.createUser(
                login: "admin2", displayName: "管理者2", role: .admin, department: nil, password: "long enough pass",
                as: admin)
            #expect(second.user.role == .admin && second.user.department == nil)
        }
    }

    @Test(
        arguments: [
            // login, display name, role, department, password, the field at fault
            ("Tanaka", "田中", Role.clerk, "ports", "long enough pass", "login"),
            ("t", "田中", .clerk, "ports", "long enough pass", "login"),
            ("-tanaka", "田中", .clerk, "ports", "long enough pass", "login"),
            ("tanaka kenji", "田中", .clerk, "ports", "long enough pass", "login"),
            (String(repeating: "a", count: 65), "田中", .clerk, "ports", "long enough pass", "login"),
            ("bootstrap", "田中", .clerk, "ports", "long enough pass", "login"),
            ("tanaka", "  ", .clerk, "ports", "long enough pass", "display_name"),
            ("tanaka", "田中", .clerk, "ports", "short pass", "password"),
            ("tanaka", "田中", .clerk, "ports", String(repeating: "長", count: 25), "password"),
            ("tanaka", "田中", .clerk, "ports", "long enough\u{0}pass", "password"),
            ("tanaka", "田中", .clerk, nil, "long enough pass", "department"),
            ("tanaka", "田中", .clerk, "nowhere", "long enough pass", "department"),
            ("tanaka", "田中", .clerk, "planning", "long enough pass", "department"),
            ("tanaka", "田中", .approver, "ports", "long enough pass", "department"),
            ("tanaka", "田中", .approver, "nowhere", "long enough pass", "department"),
            ("tanaka", "田中", .admin, "planning", "long enough pass", "department"),
        ] as [(String, String, Role, String?, String, String)])
    func createUserRefusesBrokenRules(
        login: String, displayName: String, role: Role, department: String?, password: String, field: String
    ) async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            try await AccountTestKit.expectRefusedUnchanged(db, .invalid, field: field) {
                try await service.createUser(
                    login: login, displayName: displayName, role: role, department: department, password: password,
                    as: admin)
            }
        }
    }

    @Test func createUserListsEveryBrokenRuleAtOnce() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            let error = try await AccountTestKit.expectRefusedUnchanged(db, .invalid) {
                try await service.createUser(
                    login: "X", displayName: "", role: .clerk, department: nil, password: "short", as: admin)
            }
            #expect(Set(error?.fieldErrors.map(\.field) ?? []) == ["login", "display_name", "password", "department"])
            #expect(
                error?.fieldErrors.contains {
                    $0 == .init(field: "password", message: "must be at least 12 characters (it has 5)")
                } == true)
        }
    }

    @Test func aTakenLoginIsAConflict() async throws {
        try await TestDatabase.withStandard { db in
            try await AccountTestKit.expectRefusedUnchanged(db, .conflict) {
                try await db.service().createUser(
                    login: "approver", displayName: "別人", role: .approver, department: nil,
                    password: "long enough pass", as: admin)
            }
        }
    }

    @Test func onlyAdminsManageAccounts() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            for who in [ActorReference.login(Fixtures.clerk("ports")), .login(Fixtures.approver), .local] {
                try await AccountTestKit.expectRefusedUnchanged(db, .forbidden) {
                    try await service.createUser(
                        login: "x-new", displayName: "x", role: .clerk, department: "ports",
                        password: "long enough pass", as: who)
                }
                try await AccountTestKit.expectRefusedUnchanged(db, .forbidden) {
                    try await service.disableUser(login: Fixtures.approver2, as: who)
                }
                try await AccountTestKit.expectRefusedUnchanged(db, .forbidden) {
                    try await service.enableUser(login: Fixtures.approver2, as: who)
                }
                try await AccountTestKit.expectRefusedUnchanged(db, .forbidden) {
                    try await service.setRole(login: Fixtures.approver2, role: .admin, department: nil, as: who)
                }
                try await AccountTestKit.expectRefusedUnchanged(db, .forbidden) {
                    try await service.setPassword(login: Fixtures.approver2, password: "long enough pass", as: who)
                }
                try await AccountTestKit.expectRefusedUnchanged(db, .forbidden) {
                    try await service.resetPassword(login: Fixtures.approver2, as: who)
                }
            }
            for who in [ActorReference.login(Fixtures.clerk("ports")), .login(Fixtures.approver)] {
                try await AccountTestKit.expectRefusedUnchanged(db, .forbidden) { try await service.users(as: who) }
                try await AccountTestKit.expectRefusedUnchanged(db, .forbidden) {
                    try await service.user(login: Fixtures.admin, as: who)
                }
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .unauthenticated) {
                try await service.users(as: .login("nobody"))
            }
        }
    }

    // MARK: Bootstrap

    @Test func theBootstrapMayCreateOnlyTheFirstAdmin() async throws {
        try await TestDatabase.with { db in
            let service = db.service()
            // An empty database: the local operator can do nothing but create an admin.
            try await AccountTestKit.expectRefusedUnchanged(db, .forbidden) {
                try await service.createUser(
                    login: "clerk1", displayName: "x", role: .clerk, department: nil, password: "long enough pass",
                    as: .local)
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .forbidden) {
                try await service.createUser(
                    login: "approver1", displayName: "x", role: .approver, department: nil,
                    password: "long enough pass", as: .local)
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .forbidden) {
                try await service.createPeriod(PeriodCode("2021Q1")!, due: nil, as: .local)
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .forbidden) {
                try await service.resetPassword(login: "anyone", as: .local)
            }

            let first = try await service.createUser(
                login: "root-admin", displayName: "初代管理者", role: .admin, department: nil, as: .local)
            let events = try await AccountTestKit.auditRows(db, after: 0)
            #expect(events.count == 1)
            #expect(events.first?.action == "user.create" && events.first?.entityID == "root-admin")
            #expect(events.first?.actorID == nil && events.first?.reason == "bootstrap")
            #expect(events.first?.actorLogin == "bootstrap")

            // Once an admin exists, the local operator writes nothing, not even another admin.
            try await AccountTestKit.expectRefusedUnchanged(db, .forbidden) {
                try await service.createUser(
                    login: "second-admin", displayName: "x", role: .admin, department: nil,
                    password: "long enough pass", as: .local)
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .forbidden) {
                try await service.createPeriod(PeriodCode("2021Q1")!, due: nil, as: .local)
            }
            // The first admin logs in with the generated password and takes over.
            let session = try await service.login(login: "root-admin", password: try #require(first.generatedPassword))
            let second = try await service.createUser(
                login: "second-admin", displayName: "二代目", role: .admin, department: nil,
                password: "long enough pass", as: .session(token: session.token))
            #expect(second.user.role == .admin)
        }
    }

    // MARK: Disabling and enabling

    @Test func disablingEndsSessionsAndRefusesTheAccount() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            let clerk = Fixtures.clerk("ports")
            _ = try await service.setPassword(login: clerk, password: "correct horse battery", as: admin)
            let session = try await service.login(login: clerk, password: "correct horse battery")
            let mark = try await AccountTestKit.lastAuditID(db)

            let disabled = try await service.disableUser(login: clerk, as: admin)
            #expect(disabled.disabled && disabled.version == 3)

            let events = try await AccountTestKit.auditRows(db, after: mark)
            #expect(events.count == 1)
            #expect(events.first?.action == "user.disable" && events.first?.actorLogin == "admin")
            #expect(events.first?.before?.contains("\"disabled\": false") == true)
            #expect(events.first?.after?.contains("\"disabled\": true") == true)
            #expect(events.first?.after?.contains("\"sessions_ended\": 1") == true)
            #expect(events.first?.after?.contains("$2b$") == false)

            try await AccountTestKit.expectRefusedUnchanged(db, .unauthenticated) {
                try await service.periods(as: .login(clerk))
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .unauthenticated) {
                try await service.me(token: session.token)
            }
            let relogin = await AccountTestKit.refusal(.unauthenticated) {
                try await service.login(login: clerk, password: "correct horse battery")
            }
            #expect(relogin?.message == "The login or password is wrong.")
            let open = try await db.pool.withConnection { c in
                try c.query("SELECT count(*) FROM sessions WHERE revoked_at IS NULL")[0].decode(Int.self, at: 0)
            }
            #expect(open == 0)

            // Enabling lets the account log in again, but the old session stays ended.
            let enabled = try await service.enableUser(login: clerk, as: admin)
            #expect(!enabled.disabled)
            #expect(
                try await AccountTestKit.auditRows(db, after: mark).map(\.action) == ["user.disable", "user.enable"])
            try await AccountTestKit.expectRefusedUnchanged(db, .unauthenticated) {
                try await service.me(token: session.token)
            }
            _ = try await service.login(login: clerk, password: "correct horse battery")
        }
    }

    @Test func disableAndEnableRefusals() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            let selfDisable = try await AccountTestKit.expectRefusedUnchanged(db, .conflict) {
                try await service.disableUser(login: Fixtures.admin, as: admin)
            }
            #expect(selfDisable?.message.contains("your own account") == true)
            try await AccountTestKit.expectRefusedUnchanged(db, .notFound) {
                try await service.disableUser(login: "nobody", as: admin)
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .conflict) {
                try await service.enableUser(login: Fixtures.approver, as: admin)
            }
            _ = try await service.disableUser(login: Fixtures.approver, as: admin)
            try await AccountTestKit.expectRefusedUnchanged(db, .conflict) {
                try await service.disableUser(login: Fixtures.approver, as: admin)
            }
        }
    }

    @Test func twoAdminsDisablingEachOtherAtOnceLeaveOneEnabled() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            _ = try await service.createUser(
                login: "admin2", displayName: "管理者2", role: .admin, department: nil, password: "long enough pass",
                as: admin)
            for _ in 0..<3 {
                // Each waits for the other's locks; PostgreSQL lets one through and the other sees the change.
                async let a = (try? await service.disableUser(login: "admin2", as: .login("admin"))) != nil
                async let b = (try? await service.disableUser(login: "admin", as: .login("admin2"))) != nil
                let succeeded = await [a, b].filter { $0 }.count
                #expect(succeeded == 1)
                let enabledAdmins = try await db.pool.withConnection { c in
                    try c.query("SELECT login FROM users WHERE role = 'admin' AND disabled_at IS NULL")
                        .decodeColumn(String.self)
                }
                #expect(enabledAdmins.count == 1)
                // Put things back for the next round.
                try await db.arrange { c in try c.execute("UPDATE users SET disabled_at = NULL") }
            }
        }
    }

    // MARK: Roles

    @Test func setRoleMovesAnAccountAndIsAudited() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            let mark = try await AccountTestKit.lastAuditID(db)
            let moved = try await service.setRole(
                login: Fixtures.clerk("ports"), role: .approver, department: "planning", as: admin)
            #expect(moved.role == .approver && moved.department == "planning" && moved.version == 2)
            let events = try await AccountTestKit.auditRows(db, after: mark)
            #expect(events.count == 1)
            #expect(events.first?.action == "user.set_role" && events.first?.entityID == "clerk-ports")
            #expect(events.first?.before?.contains("\"role\": \"clerk\"") == true)
            #expect(events.first?.after?.contains("\"role\": \"approver\"") == true)

            let promoted = try await service.setRole(
                login: Fixtures.approver2, role: .admin, department: nil, as: admin)
            #expect(promoted.role == .admin)
            // With two admins, one may step down.
            let stepped = try await service.setRole(login: Fixtures.admin, role: .approver, department: nil, as: admin)
            #expect(stepped.role == .approver)
        }
    }

    @Test func setRoleRefusals() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            let last = try await AccountTestKit.expectRefusedUnchanged(db, .conflict) {
                try await service.setRole(login: Fixtures.admin, role: .approver, department: nil, as: admin)
            }
            #expect(last?.message.contains("last enabled admin") == true)
            try await AccountTestKit.expectRefusedUnchanged(db, .conflict) {
                try await service.setRole(login: Fixtures.clerk("ports"), role: .clerk, department: "ports", as: admin)
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .invalid, field: "department") {
                try await service.setRole(login: Fixtures.approver, role: .clerk, department: nil, as: admin)
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .invalid, field: "department") {
                try await service.setRole(login: Fixtures.approver, role: .admin, department: "planning", as: admin)
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .invalid, field: "department") {
                try await service.setRole(
                    login: Fixtures.clerk("ports"), role: .approver, department: "ports", as: admin)
            }
            try await AccountTestKit.expectRefusedUnchanged(db, .notFound) {
                try await service.setRole(login: "nobody", role: .clerk, department: "ports", as: admin)
            }
        }
    }

    // MARK: Passwords

    @Test func setPasswordReplacesTheOldOneAndEndsSessions() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            let clerk = Fixtures.clerk("water")
            _ = try await service.setPassword(login: clerk, password: "first long password", as: admin)
            let session = try await service.login(login: clerk, password: "first long password")
            let mark = try await AccountTestKit.lastAuditID(db)

            _ = try await service.setPassword(login: clerk, password: "second long password", as: admin)
            let events = try await AccountTestKit.auditRows(db, after: mark)
            #expect(events.map(\.action) == ["user.set_password"])
            #expect(events.first?.after?.contains("$2b$") == false)
            #expect(events.first?.after?.contains("second long password") == false)
            try await AccountTestKit.expectRefusedUnchanged(db, .unauthenticated) {
                try await service.me(token: session.token)
            }
            await AccountTestKit.refusal(.unauthenticated) {
                try await service.login(login: clerk, password: "first long password")
            }
            _ = try await service.login(login: clerk, password: "second long password")

            let error = try await AccountTestKit.expectRefusedUnchanged(db, .invalid, field: "password") {
                try await service.setPassword(login: clerk, password: "too short", as: admin)
            }
            #expect(error?.fieldErrors.first?.message.hasPrefix("must be at least 12 characters") == true)
            try await AccountTestKit.expectRefusedUnchanged(db, .notFound) {
                try await service.setPassword(login: "nobody", password: "long enough pass", as: admin)
            }
        }
    }

    @Test func resetPasswordGeneratesOneAndEndsSessions() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            let clerk = Fixtures.clerk("roads")
            _ = try await service.setPassword(login: clerk, password: "first long password", as: admin)
            let session = try await service.login(login: clerk, password: "first long password")
            let mark = try await AccountTestKit.lastAuditID(db)
            let password = try await service.resetPassword(login: clerk, as: admin)
            #expect(password.count >= 20)
            #expect(try await AccountTestKit.auditRows(db, after: mark).map(\.action) == ["user.reset_password"])
            #expect(try await AccountTestKit.tablesContaining(db, password).isEmpty)
            try await AccountTestKit.expectRefusedUnchanged(db, .unauthenticated) {
                try await service.me(token: session.token)
            }
            #expect(try await service.login(login: clerk, password: password).user.login == clerk)
            try await AccountTestKit.expectRefusedUnchanged(db, .notFound) {
                try await service.resetPassword(login: "nobody", as: admin)
            }
        }
    }

    @Test func bcryptRunsOnItsOwnThreads() async {
        #expect(!PasswordHasher.threads.isCurrentThreadOurs)
        #expect(await PasswordHasher.threads.run { PasswordHasher.threads.isCurrentThreadOurs })
    }

    @Test func theDummyHashIsAWellFormedHashAtTheServicesCost() async throws {
        let dummy = PasswordHasher.dummyHash(cost: 12)
        // What bcrypt's C code accepts: the version, a two-digit cost, 22 salt and 31 digest characters of its
        // base-64 alphabet.
        #expect(dummy.range(of: #"^\$2b\$12\$[./A-Za-z0-9]{53}$"#, options: .regularExpression) != nil)
        #expect(PasswordHasher.dummyHash(cost: 13).hasPrefix("$2b$13$"))
        // A malformed hash would be refused in microseconds, and that speed would tell an unknown login apart.
        // Checking against the dummy does the full work: a bound loose enough that other tests running
        // meanwhile cannot break it (the login timing test compares more closely).
        let real = Bcrypt.hash("something", cost: 12)
        let clock = ContinuousClock()
        var dummyTimes: [Duration] = []
        var realTimes: [Duration] = []
        for _ in 0..<3 {
            dummyTimes.append(clock.measure { _ = Bcrypt.verify("something", hash: dummy) })
            realTimes.append(clock.measure { _ = Bcrypt.verify("something", hash: real) })
        }
        #expect(!Bcrypt.verify("something", hash: dummy))
        #expect(dummyTimes.min()! > realTimes.min()! / 10, "dummy \(dummyTimes), real \(realTimes)")
    }

    // MARK: Reading

    @Test func adminsAndTheLocalOperatorListAccounts() async throws {
        try await TestDatabase.withStandard { db in
            let service = db.service()
            let all = try await service.users(as: admin)
            #expect(all.map(\.login) == all.map(\.login).sorted())
            #expect(all.count == 14 + 3)
            #expect(try await service.users(as: .local) == all)
            let one = try await service.user(login: Fixtures.approver, as: admin)
            #expect(one.role == .approver && one.department == "planning" && !one.disabled)
            try await AccountTestKit.expectRefusedUnchanged(db, .notFound) {
                try await service.user(login: "nobody", as: admin)
            }
        }
    }
}

/// Helpers shared by the account, session, period and audit-log tests.
enum AccountTestKit {
    struct AuditRow: Sendable {
        var actorID: Int?
        var actorLogin: String?
        var action: String
        var entity: String
        var entityID: String
        var before: String?
        var after: String?
        var reason: String?
    }

    static func lastAuditID(_ db: TestDB) async throws -> Int {
        try await db.pool.withConnection { c in
            try c.query("SELECT coalesce(max(id), 0) FROM audit_events")[0].decode(Int.self, at: 0)
        }
    }

    /// Audit events written after the event `id`, oldest first.
    static func auditRows(_ db: TestDB, after id: Int) async throws -> [AuditRow] {
        try await db.pool.withConnection { c in
            try c.query(
                """
                SELECT actor_id, actor_login, action, entity, entity_id, before::text, after::text, reason
                FROM audit_events WHERE id > \(id) ORDER BY id
                """
            ).decode((Int?, String?, String, String, String, String?, String?, String?).self).map {
                AuditRow(
                    actorID: $0.0, actorLogin: $0.1, action: $0.2, entity: $0.3, entityID: $0.4, before: $0.5,
                    after: $0.6, reason: $0.7)
            }
        }
    }

    static func userID(_ db: TestDB, _ login: String) async throws -> Int {
        try await db.pool.withConnection { c in
            try c.query("SELECT id FROM users WHERE login = \(login)")[0].decode(Int.self, at: 0)
        }
    }

    static func passwordHash(_ db: TestDB, _ login: String) async throws -> String {
        try await db.pool.withConnection { c in
            try c.query("SELECT password_hash FROM users WHERE login = \(login)")[0].decode(String.self, at: 0)
        }
    }

    /// The tables in which some row's text contains `needle`.
    static func tablesContaining(_ db: TestDB, _ needle: String) async throws -> [String] {
        try await db.pool.withConnection { c in
            var found: [String] = []
            for table in ["users", "sessions", "login_failures", "audit_events", "periods", "period_extensions"] {
                let n = try c.query(
                    "SELECT count(*) FROM \(identifier: table) t WHERE strpos(t::text, \(needle)) > 0"
                )[0].decode(Int.self, at: 0)
                if n > 0 { found.append(table) }
            }
            return found
        }
    }

    /// The service error `body` throws, after checking its code (and the field at fault, if given).
    @discardableResult
    static func refusal<T>(
        _ code: ServiceError.Code, field: String? = nil, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> T
    ) async -> ServiceError? {
        do {
            _ = try await body()
            Issue.record("expected \(code), but the call succeeded", sourceLocation: sourceLocation)
            return nil
        } catch let e as ServiceError {
            #expect(e.code == code, "\(e)", sourceLocation: sourceLocation)
            if let field {
                #expect(e.fieldErrors.map(\.field).contains(field), "\(e)", sourceLocation: sourceLocation)
            }
            return e
        } catch {
            Issue.record("expected a ServiceError \(code), got \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// Like ``refusal(_:field:sourceLocation:_:)``, and checks that nothing in the database changed.
    @discardableResult
    static func expectRefusedUnchanged<T>(
        _ db: TestDB, _ code: ServiceError.Code, field: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
    ) async throws -> ServiceError? {
        let before = try await Fixtures.snapshot(db)
        let error = await refusal(code, field: field, sourceLocation: sourceLocation, body)
        #expect(
            try await Fixtures.snapshot(db) == before, "the refused call changed data", sourceLocation: sourceLocation)
        return error
    }
}
