import Foundation
import LibPQ
import Shinchoku

/// A standard world for service tests: the bundled plan, one clerk per department, two approvers in
/// the planning division, an admin, and three periods.
///
/// Accounts are inserted directly (no password) so that tests of one service do not depend on another.
public enum Fixtures {
    /// Logins created by ``standard(_:)``.
    public static let admin = "admin"
    public static let approver = "approver"
    public static let approver2 = "approver2"
    /// The clerk of a department: `clerk-<code>`, e.g. `clerk-ports`.
    public static func clerk(_ department: String) -> String { "clerk-\(department)" }

    /// Imports the bundled plan and creates the accounts and periods: 2020Q4 closed, 2021Q1 open, 2021Q2 planned.
    public static func standard(_ db: TestDB) async throws {
        let plan = try PlanFile.bundled()
        _ = try await db.service().importPlan(plan, as: .local)
        let departments = plan.departments.filter { !$0.approving }.map(\.code)
        try await db.pool.withTransaction { c in
            for code in departments {
                try c.execute(
                    """
                    INSERT INTO users (login, display_name, role, department_id)
                    VALUES (\(Fixtures.clerk(code)), \("担当 " + code), 'clerk', (SELECT id FROM departments WHERE code = \(code)))
                    """)
            }
            for login in [Fixtures.approver, Fixtures.approver2] {
                try c.execute(
                    """
                    INSERT INTO users (login, display_name, role, department_id)
                    VALUES (\(login), '政策企画課 審査担当', 'approver', (SELECT id FROM departments WHERE code = 'planning'))
                    """)
            }
            try c.execute("INSERT INTO users (login, display_name, role) VALUES ('admin', '管理者', 'admin')")
            for (code, state) in [("2020Q4", "closed"), ("2021Q1", "open"), ("2021Q2", "planned")] {
                let p = PeriodCode(code)!
                try c.execute(
                    """
                    INSERT INTO periods (code, fiscal_year, quarter, starts_on, ends_on, state)
                    VALUES (\(code), \(p.fiscalYear), \(p.quarter), \(p.startDate), \(p.endDate), \(state))
                    """)
            }
        }
    }

    /// Counts rows of a table, for "nothing changed" checks.
    public static func count(_ db: TestDB, _ table: String) async throws -> Int {
        try await db.pool.withConnection { c in
            try c.query("SELECT count(*) FROM \(identifier: table)")[0].decode(Int.self, at: 0)
        }
    }

    /// The notification tables, once migration 0008 has made them.
    static func notificationTables(_ c: Connection) throws -> [String] {
        try c.query("SELECT to_regclass('public.notifications') IS NOT NULL")[0].decode(Bool.self, at: 0)
            ? ["notifications", "mail_outbox", "notification_reminders"] : []
    }

    /// A fingerprint of every mutable table's content, to prove a rejected call changed nothing.
    public static func snapshot(_ db: TestDB) async throws -> String {
        try await db.superuserPool.withConnection { c in
            var s = ""
            for table in [
                "departments", "projects", "indicators", "users", "sessions", "periods", "period_extensions",
                "figures", "narratives", "workflow_events", "reviews", "audit_events", "excusals",
                "publication_requests", "editions", "edition_files",
            ] + (try notificationTables(c)) {
                let rows = try c.query(
                    "SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \(identifier: table) t")
                s += table + ":" + (try rows[0].decode(String.self, at: 0)) + "\n"
            }
            return s
        }
    }
}
