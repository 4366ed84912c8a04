import Foundation
import LibPQ
import Shinchoku
import TestSupport
import Testing

@testable import ShinchokuAdmin

/// `figures import` of large files and of several departments at once (issue 13, item 5): an admin names each
/// department's clerk with `--as-department`, every row is checked before anything is written, and the rows are
/// written in bulk, still all or nothing, with one workflow step and one audit event per figure.
@Suite struct BulkFigureImportTests {
    /// Adds `projects` projects (90-1, 90-2, …) owned in turn by each department that enters figures, each with 99
    /// indicators that count (90-n.1 … 90-n.99). Their codes and owning departments, in plan order.
    static func largePlan(_ db: TestDB, projects: Int) async throws -> [(indicator: String, department: String)] {
        try await db.arrange { c in
            try c.execute(
                """
                INSERT INTO projects (code, program_id, position, title, department_id)
                SELECT '90-' || n, (SELECT min(id) FROM programs), 1000 + n, '試験事業' || n,
                       d.ids[1 + (n - 1) % array_length(d.ids, 1)]
                FROM generate_series(1, \(projects)) n,
                     (SELECT array_agg(id ORDER BY code) AS ids FROM departments WHERE NOT approving) d
                """)
            try c.execute(
                """
                INSERT INTO indicators (code, project_id, position, name, target_label, unit, kind, value_type,
                                        decimals, target_value, target_fiscal_year)
                SELECT p.code || '.' || k, p.id, k, '試験指標' || p.code || '.' || k, '目標', '件', 'level', 'count',
                       0, 100, 2026
                FROM projects p, generate_series(1, 99) k WHERE p.code LIKE '90-%'
                """)
            return try c.query(
                """
                SELECT i.code, d.code FROM indicators i JOIN projects p ON p.id = i.project_id
                JOIN departments d ON d.id = p.department_id
                WHERE p.code LIKE '90-%' ORDER BY p.position, i.position
                """
            ).decode((String, String).self).map { (indicator: $0.0, department: $0.1) }
        }
    }

    /// `--as-department CODE=clerk-CODE` for each department.
    static func asClerks(_ departments: some Sequence<String>) -> [String] {
        Set(departments).sorted().flatMap { ["--as-department", "\($0)=\(Fixtures.clerk($0))"] }
    }

    @Test func anAdminImportsEveryDepartmentAsItsClerksAllOrNothing() async throws {
        try await TestDatabase.withStandard { db in
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let plan = try await Self.largePlan(db, projects: 77)
            let rows = Array(plan.prefix(7500))
            #expect(rows.count == 7500 && Set(rows.map(\.department)).count > 3)
            var lines = ["indicator,value,status,note"] + rows.enumerated().map { "\($1.indicator),\($0 % 50),," }
            let clerks = Self.asClerks(rows.map(\.department))
            let arguments = ["--period", "2021Q1", "--as", Fixtures.admin] + clerks

            // Line 7000 (the 6999th row): a count with decimals, which only the service's rules refuse.
            lines[6999] = "\(rows[6998].indicator),5.5,,"
            let bad = try folder.write("bad.csv", lines.joined(separator: "\n") + "\n")
            let before = try await Fixtures.snapshot(db)
            let refused = await CLI.run(db, ["figures", "import", bad] + arguments)
            #expect(refused.status == .invalidData, "\(refused.stderr.prefix(2000))")
            #expect(refused.stderr.hasPrefix("Error: Nothing was imported: 1 of 7500 rows has errors.\n"))
            #expect(refused.stderr.contains("\n  line 7000, value: must be a whole number"))
            #expect(refused.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("  line") }.count == 1)
            #expect(try await Fixtures.snapshot(db) == before)

            lines[6999] = "\(rows[6998].indicator),5,,"
            let good = try folder.write("good.csv", lines.joined(separator: "\n") + "\n")
            let imported = await CLI.ok(db, ["figures", "import", good, "--json"] + arguments)
            let summary = try #require(try imported.json() as? [String: Any])
            #expect(summary["saved"] as? Int == 7500 && summary["unchanged"] as? Int == 0)

            // Exactly the rows, each entered by its department's clerk, with one save step and one audit event
            // by that clerk, which names the admin who ran the import.
            let check = try await db.superuserPool.withConnection { c in
                try c.query(
                    """
                    SELECT
                      (SELECT count(*) FROM figures WHERE period_code = '2021Q1'),
                      (SELECT count(*) FROM figures f JOIN indicators i ON i.id = f.indicator_id
                         JOIN projects p ON p.id = i.project_id JOIN users u ON u.id = f.entered_by
                       WHERE u.department_id = p.department_id AND u.role = 'clerk' AND f.state = 'draft'
                         AND f.version = 1),
                      (SELECT count(DISTINCT e.figure_id) FROM workflow_events e JOIN figures f ON f.id = e.figure_id
                       WHERE e.action = 'save' AND e.actor_id = f.entered_by AND e.version = 1
                         AND e.content ->> 'value' = f.value::text),
                      (SELECT count(*) FROM workflow_events),
                      (SELECT count(*) FROM audit_events a JOIN figures f ON a.entity_id = '2021Q1/' || (
                           SELECT code FROM indicators WHERE id = f.indicator_id)
                       WHERE a.action = 'figure.save' AND a.actor_id = f.entered_by AND a.before IS NULL
                         AND a.after ->> 'value' = f.value::text AND (a.after ->> 'version')::int = 1
                         AND a.reason = 'figures import by admin'),
                      (SELECT count(*) FROM audit_events WHERE action = 'figure.save')
                    """
                ).single().decode((Int, Int, Int, Int, Int, Int).self)
            }
            #expect(check.0 == 7500 && check.1 == 7500, "\(check)")
            #expect(check.2 == 7500 && check.3 == 7500, "\(check)")
            #expect(check.4 == 7500 && check.5 == 7500, "\(check)")
            let verified = await CLI.ok(db, ["audit", "verify", "--as", Fixtures.admin])
            #expect(verified.stdout.hasPrefix("OK"), "\(verified)")

            // The same file again changes nothing.
            let afterImport = try await Fixtures.snapshot(db)
            let again = await CLI.ok(db, ["figures", "import", good] + arguments)
            #expect(again.stdout.contains("0 figures saved, 7500 unchanged"), "\(again)")
            #expect(try await Fixtures.snapshot(db) == afterImport)
        }
    }

    @Test func aDepartmentWithoutItsOwnClerkImportsNothing() async throws {
        try await TestDatabase.withStandard { db in
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            // 1-1 belongs to ports, 1-2 to water.
            let file = try folder.write("two.csv", "indicator,value,status,note\n1-1.1,1,,\n1-2.1,4.0,,\n")
            let before = try await Fixtures.snapshot(db)
            func importing(_ arguments: [String]) async -> CommandRun {
                await CLI.run(db, ["figures", "import", file, "--period", "2021Q1"] + arguments)
            }

            // No clerk for water: its row is refused by line, and nothing is saved, not even ports' row.
            let missing = await importing(["--as", "admin", "--as-department", "ports=\(Fixtures.clerk("ports"))"])
            #expect(missing.status == .forbidden, "\(missing)")
            #expect(missing.stderr.hasPrefix("Error: Nothing was imported: 1 of 2 rows has errors.\n"), "\(missing)")
            #expect(
                missing.stderr.contains(
                    "  line 3: Project 1-2 belongs to water, and no clerk of water was named to enter its figures."),
                "\(missing)")
            #expect(try await Fixtures.snapshot(db) == before)

            // Ports' clerk named for water: refused before any row is written.
            let wrong = await importing(
                ["--as", "admin", "--as-department", "ports=clerk-ports", "--as-department", "water=clerk-ports"])
            #expect(wrong.status == .forbidden, "\(wrong)")
            #expect(
                wrong.stderr.contains(
                    "clerk-ports may not enter figures for water: clerk-ports is a clerk of ports, and only a clerk "
                        + "of water may."), "\(wrong)")
            #expect(try await Fixtures.snapshot(db) == before)

            // Only an admin names clerks; an approver named as a clerk is refused too.
            let byClerk = await importing(
                ["--as", "clerk-ports", "--as-department", "ports=clerk-ports", "--as-department", "water=clerk-water"])
            #expect(byClerk.status == .forbidden && byClerk.stderr.contains("Only admin accounts may"), "\(byClerk)")
            let approver = await importing(
                ["--as", "admin", "--as-department", "ports=clerk-ports", "--as-department", "water=approver"])
            #expect(approver.status == .forbidden && approver.stderr.contains("approver is an approver"), "\(approver)")
            let nobody = await importing(
                ["--as", "admin", "--as-department", "ports=clerk-ports", "--as-department", "water=nosuch"])
            #expect(nobody.status == .forbidden && nobody.stderr.contains("nosuch"), "\(nobody)")
            #expect(try await Fixtures.snapshot(db) == before)
            let malformed = await importing(["--as", "admin", "--as-department", "water"])
            #expect(malformed.status == .usage, "\(malformed)")

            // Both clerks named: each row is its department's clerk's own.
            let ok = await importing(
                ["--as", "admin", "--as-department", "ports=clerk-ports", "--as-department", "water=clerk-water"])
            #expect(ok.status == .success && ok.stdout.contains("2 figures saved, 0 unchanged"), "\(ok)")
            let log = await CLI.ok(db, ["audit", "log", "--entity", "figure", "--as", "admin", "--json"])
            let events = try #require(try log.json() as? [[String: Any]])
            #expect(
                events.map { "\($0["entity_id"] ?? "") \($0["actor"] ?? "")" }.sorted() == [
                    "2021Q1/1-1.1 clerk-ports", "2021Q1/1-2.1 clerk-water",
                ])
            #expect(events.allSatisfy { $0["reason"] as? String == "figures import by admin" })

            // An export of every department imports back with one clerk: water's unchanged row is skipped.
            let exported = folder.path("all.csv")
            await CLI.ok(db, ["figures", "export", "--period", "2021Q1", "--out", exported])
            let back = await CLI.ok(
                db,
                [
                    "figures", "import", exported, "--period", "2021Q1", "--as", "admin", "--as-department",
                    "ports=clerk-ports",
                ])
            #expect(back.stdout.contains("0 figures saved, 2 unchanged"), "\(back)")
        }
    }
}
