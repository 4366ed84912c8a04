import Foundation
import Shinchoku
import TestSupport
import Testing

@testable import ShinchokuAdmin

@Suite struct FigureCommandTests {
    let clerk = Fixtures.clerk("ports")

    @Test func aClerkImportsExportsAndReimportsFigures() async throws {
        try await TestDatabase.withStandard { db in
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            // Water's clerk; 1-2 belongs to water. A byte order mark, CRLF and a quoted note.
            let file = try folder.write(
                "water.csv",
                "\u{FEFF}indicator,value,status,note\r\n1-2.1,4.0,,\"前期比横ばい, 計画どおり\"\r\n")
            let r = await CLI.ok(
                db, ["figures", "import", file, "--period", "2021Q1", "--as", Fixtures.clerk("water")])
            #expect(
                r.stdout
                    == "Imported 1 row for 2021Q1: 1 figure saved, 0 unchanged. Saved figures are drafts until the clerk submits them.\n"
            )

            let list = await CLI.ok(db, ["figures", "list", "--period", "2021Q1"])
            #expect(list.stdout.contains("1-2.1") && list.stdout.contains("draft"))

            let exported = folder.path("export.csv")
            let export = await CLI.ok(db, ["figures", "export", "--period", "2021Q1", "--out", exported])
            #expect(export.stderr.contains("Wrote 1 figure to"))
            let bytes = try Data(contentsOf: URL(fileURLWithPath: exported))
            #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]))
            let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
            #expect(
                text
                    == "indicator,value,status,note,state,version,as_of\r\n"
                    + "1-2.1,4.0,reported,\"前期比横ばい, 計画どおり\",draft,1,2021-06-30\r\n")

            // The export imports as it is, and changes nothing.
            let again = await CLI.ok(
                db, ["figures", "import", exported, "--period", "2021Q1", "--as", Fixtures.clerk("water")])
            #expect(again.stdout.contains("0 figures saved, 1 unchanged"))
            // A changed value with the exported version is saved.
            let changed = try folder.write("changed.csv", text.replacingOccurrences(of: "4.0,", with: "4.5,"))
            let saved = await CLI.ok(
                db, ["figures", "import", changed, "--period", "2021Q1", "--as", Fixtures.clerk("water"), "--json"])
            let summary = try #require(try saved.json() as? [String: Any])
            #expect(summary["saved"] as? Int == 1)
            // The same file again is now stale: its version is 1, the figure's 2.
            let stale = try folder.write("stale.csv", text.replacingOccurrences(of: "4.0,", with: "4.6,"))
            let refused = await CLI.run(
                db, ["figures", "import", stale, "--period", "2021Q1", "--as", Fixtures.clerk("water")])
            #expect(refused.status == .failure, "\(refused)")
            #expect(refused.stderr.contains("line 2: The figure has changed since you loaded it"), "\(refused)")

            let log = await CLI.ok(
                db, ["audit", "log", "--entity", "figure", "--id", "2021Q1/1-2.1", "--as", "admin"])
            #expect(log.stdout.components(separatedBy: "figure.save").count == 3)
            #expect(log.stdout.contains(Fixtures.clerk("water")))
        }
    }

    @Test func aRowWithoutAVersionCreatesButNeverOverwrites() async throws {
        try await TestDatabase.withStandard { db in
            let clerk = Fixtures.clerk("roads")
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            func importing(_ name: String, _ rows: String..., dryRun: Bool = false) async throws -> CommandRun {
                let file = try folder.write(
                    name, (["indicator,value,status,note,version,as_of"] + rows).joined(separator: "\n") + "\n")
                return await CLI.run(
                    db,
                    ["figures", "import", file, "--period", "2021Q1", "--as", clerk] + (dryRun ? ["--dry-run"] : []))
            }
            func version() async throws -> Int {
                try await db.service().figure(period: PeriodCode("2021Q1")!, indicator: "1-3.2", as: .login(clerk))
                    .version
            }

            // No version, no figure: created.
            let created = try await importing("new.csv", "1-3.2,3,,,,")
            #expect(created.status == .success && created.stdout.contains("1 figure saved"), "\(created)")
            // With its version and a date, changed to version 2.
            let dated = try await importing("dated.csv", "1-3.2,3,,,1,2021-06-15")
            #expect(dated.stdout.contains("1 figure saved"), "\(dated)")
            #expect(try await version() == 2)
            // No version and the same content: nothing to do, also without the as_of the row does not give.
            let same = try await importing("same.csv", "1-3.2,3,,,,")
            #expect(same.stdout.contains("0 figures saved, 1 unchanged"), "\(same)")

            // No version and other content: a conflict that names the line, and nothing changes, not even the
            // new figure of the row before it. 3.0 is not 3: the value is compared with its decimal places.
            let before = try await Fixtures.snapshot(db)
            for (n, value) in ["4", "3.0"].enumerated() {
                let r = try await importing("changed\(n).csv", "1-3.1,5,,,,", "1-3.2,\(value),,,,")
                #expect(r.status == .failure, "\(r)")
                #expect(r.stderr.hasPrefix("Error: Nothing was imported: 1 of 2 rows has errors.\n"), "\(r)")
                #expect(
                    r.stderr.contains(
                        "  line 3: Figure 1-3.2 already exists at version 2: put its version in the version column "
                            + "(figures export writes it) to change it."), "\(r)")
                #expect(try await Fixtures.snapshot(db) == before)
            }
            // The dry run says the same.
            let dry = try await importing("dry.csv", "1-3.2,4,,,,", dryRun: true)
            #expect(dry.status == .failure && dry.stderr.contains("line 2: Figure 1-3.2 already exists"), "\(dry)")
            #expect(try await version() == 2)

            // A stale version is a conflict too; the current one changes the figure.
            let stale = try await importing("stale.csv", "1-3.2,4,,,1,")
            #expect(stale.status == .failure && stale.stderr.contains("line 2: The figure has changed"), "\(stale)")
            #expect(try await Fixtures.snapshot(db) == before)
            let current = try await importing("current.csv", "1-3.2,4,,,2,")
            #expect(current.stdout.contains("1 figure saved"), "\(current)")
            #expect(try await version() == 3)
        }
    }

    /// 100 rows, all for ports: indicators 1-1.1…1-1.99 of an enlarged plan, and 1-2.1 moved to ports.
    static func hundredRows(_ db: TestDB, _ folder: TemporaryFolder) async throws {
        var plan = try PlanFile.bundled()
        let template = plan.projects[0].indicators[0]
        for n in 2...99 {
            var i = template
            i.code = "1-1.\(n)"
            i.name = "試験指標\(n)"
            plan.projects[0].indicators.append(i)
        }
        let planFile = folder.path("plan.json")
        try JSONEncoder.shinchoku.encode(plan).write(to: URL(fileURLWithPath: planFile))
        await CLI.ok(db, ["plan", "import", planFile, "--as", "admin"])
        await CLI.ok(db, ["project", "assign", "1-2", "--department", "ports", "--reason", "試験", "--as", "admin"])
    }

    @Test func oneBadRowInAHundredImportsNothingAndNamesItsLine() async throws {
        try await TestDatabase.withStandard { db in
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            try await Self.hundredRows(db, folder)
            var lines = ["indicator,value,status,note"]
            for n in 1...99 { lines.append("1-1.\(n),\(n),,") }
            lines.append("1-2.1,3.5,,")
            #expect(lines.count == 101)
            // Line 58 (1-1.57): a count with decimals, which only the service's rules refuse.
            lines[57] = "1-1.57,5.5,,"
            let file = try folder.write("ports.csv", lines.joined(separator: "\n") + "\n")
            let before = try await Fixtures.snapshot(db)

            let r = await CLI.run(db, ["figures", "import", file, "--period", "2021Q1", "--as", clerk])
            #expect(r.status == .invalidData, "\(r)")
            #expect(r.stderr.hasPrefix("Error: Nothing was imported: 1 of 100 rows has errors.\n"), "\(r)")
            #expect(r.stderr.contains("  line 58, value: must be a whole number"), "\(r)")
            #expect(r.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("  line") }.count == 1, "\(r)")
            #expect(try await Fixtures.count(db, "figures") == 0)
            #expect(try await Fixtures.snapshot(db) == before)

            // Fixed, all 100 are saved.
            lines[57] = "1-1.57,5,,"
            let fixed = try folder.write("fixed.csv", lines.joined(separator: "\n") + "\n")
            let ok = await CLI.ok(db, ["figures", "import", fixed, "--period", "2021Q1", "--as", clerk])
            #expect(ok.stdout.contains("Imported 100 rows for 2021Q1: 100 figures saved"))
            #expect(try await Fixtures.count(db, "figures") == 100)
        }
    }

    @Test func everyBadRowIsListedWhetherTheCLIOrTheServiceFindsIt() async throws {
        try await TestDatabase.withStandard { db in
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let csv = """
                indicator,value,status,note
                1-1.1,abc,,
                1-1.1,2,,
                9.9,1,,
                1-2.1,1,,
                "1-1.1",1,not_published,
                """
            let file = try folder.write("bad.csv", csv + "\n")
            let r = await CLI.run(db, ["figures", "import", file, "--period", "2021Q1", "--as", clerk])
            // Line 5 is another department's indicator: not allowed, which decides the exit status.
            #expect(r.status == .forbidden, "\(r)")
            let rows = r.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("  line") }
            #expect(rows.count == 4, "\(r)")
            #expect(rows[0] == "  line 2, value: \"abc\" is not a number such as 12, 1,234 or 4.5")
            #expect(rows[1] == "  line 4, indicator: there is no indicator 9.9 in the plan", "\(rows)")
            #expect(rows[2].hasPrefix("  line 5: Project 1-2 belongs to water"), "\(rows)")
            #expect(rows[3].hasPrefix("  line 6, indicator: 1-1.1 is on line 3 already"), "\(rows)")
            #expect(r.stderr.hasPrefix("Error: Nothing was imported: 4 of 5 rows have errors."))
            #expect(try await Fixtures.count(db, "figures") == 0)
        }
    }

    @Test func aFileThatIsNotTheFormatIsInvalidData() async throws {
        try await TestDatabase.withStandard { db in
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let cases: [(String, String)] = [
                ("value,note\n1,x\n", "the column \"indicator\" is missing"),
                ("indicator,value,colour\n1-1.1,1,red\n", "unknown column \"colour\""),
                ("indicator,value\n", "has a header but no figures"),
                ("", "is empty"),
                ("indicator,value\n\"1-1.1,1\n", "a quoted field is not closed"),
                ("indicator,value\n1-1.1,1,extra\n", "line 2: has 3 fields, but the header has 2"),
            ]
            for (n, (text, message)) in cases.enumerated() {
                let file = try folder.write("case\(n).csv", text)
                let r = await CLI.run(db, ["figures", "import", file, "--period", "2021Q1", "--as", clerk])
                #expect(r.status == .invalidData, "\(text)\n\(r)")
                #expect(r.stderr.contains(message), "\(text)\n\(r)")
            }
            let missing = await CLI.run(
                db, ["figures", "import", folder.path("none.csv"), "--period", "2021Q1", "--as", clerk])
            #expect(missing.status == .noInput, "\(missing)")
        }
    }

    @Test func aDryRunSavesNothing() async throws {
        try await TestDatabase.withStandard { db in
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let file = try folder.write("ports.csv", "indicator,value,status,note\n1-1.1,3,,\n")
            let r = await CLI.ok(db, ["figures", "import", file, "--period", "2021Q1", "--dry-run", "--as", clerk])
            #expect(r.stdout.contains("all can be imported (dry run: nothing was saved)"))
            #expect(try await Fixtures.count(db, "figures") == 0)
        }
    }

    @Test func reportsRenderInEveryFormat() async throws {
        try await TestDatabase.with { db in
            await CLI.ok(db, ["demo-data"])
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let md = await CLI.ok(db, ["report", "--period", "2021Q1"])
            #expect(md.stdout.contains("石炭共同輸送実施回数"))
            for format in ["md", "html", "csv", "json"] {
                let out = folder.path("report.\(format)")
                let r = await CLI.ok(db, ["report", "--period", "2021Q1", "--format", format, "--out", out])
                #expect(r.stdout.isEmpty)
                #expect(try Data(contentsOf: URL(fileURLWithPath: out)).count > 100)
            }
            let json = await CLI.ok(db, ["report", "--period", "2021Q1", "--json", "--project", "1-1"])
            #expect(try json.json() is [String: Any])
            let fullWidth = await CLI.ok(db, ["report", "--period", "2021Q1", "--department", "ports", "--full-width"])
            #expect(fullWidth.stdout.contains("１"))
            #expect(!fullWidth.stdout.contains("水素"))
            let pending = await CLI.ok(db, ["report", "--period", "2021Q1", "--include-pending"])
            #expect(pending.stdout.contains("石炭共同輸送実施回数"))
            let both = await CLI.run(db, ["report", "--period", "2021Q1", "--json", "--format", "md"])
            #expect(both.status == .usage)
        }
    }
}
