import ArgumentParser
import Foundation
import Shinchoku

extension Admin {
    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import, show and export the plan: departments, programs, projects and indicators.",
            discussion: """
                Example:
                  shinchoku-admin plan import
                  shinchoku-admin plan show 1-1
                """,
            subcommands: [Import.self, Show.self, Export.self])

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Load a plan file (default: the bundled やまぐち産業イノベーション戦略).",
                discussion: """
                    New departments, projects and indicators are created, changed ones updated; importing \
                    the same file again changes nothing. Ownership of existing projects is kept (use \
                    'project assign'). On an empty database this works without --as.

                    Examples:
                      shinchoku-admin plan import
                      shinchoku-admin plan import plan.json --as admin
                    """)

            @Argument(help: "A plan file (JSON, format shinchoku-plan/1), as 'plan export' writes it.")
            var file: String?

            @OptionGroup var options: SharedOptions

            func run() async throws {
                let plan = try file.map(Self.load) ?? PlanFile.bundled()
                try await Invocation.run(options) { run in
                    let s = try await run.service.importPlan(plan, as: run.actor)
                    try run.emit(s) {
                        """
                        Imported the plan \(plan.title): \(s.departments) departments, \(s.programs) programs, \
                        \(s.projects) projects, \(s.indicators) indicators (\(s.created) new).
                        """
                    }
                }
            }

            static func load(_ path: String) throws -> PlanFile {
                let data = try Invocation.read(path)
                do {
                    return try JSONDecoder.shinchoku.decode(PlanFile.self, from: data)
                } catch let error as DecodingError {
                    throw AdminError.invalidData("\(path) is not a plan file: \(Self.explain(error))")
                } catch {
                    throw AdminError.invalidData("\(path) is not a plan file.")
                }
            }

            /// Where a plan file went wrong, as a path to the field.
            static func explain(_ error: DecodingError) -> String {
                func path(_ keys: [any CodingKey]) -> String {
                    let p = keys.map { $0.intValue.map { "[\($0)]" } ?? "." + snakeCase($0.stringValue) }.joined()
                    return p.hasPrefix(".") ? String(p.dropFirst()) : p
                }
                switch error {
                case .keyNotFound(let key, let context):
                    let at = path(context.codingPath)
                    return "\(at.isEmpty ? "" : at + ".")\(snakeCase(key.stringValue)) is missing."
                case .typeMismatch(_, let context), .valueNotFound(_, let context):
                    return "\(path(context.codingPath)) has the wrong type."
                case .dataCorrupted(let context):
                    let at = path(context.codingPath)
                    return at.isEmpty ? "it is not valid JSON." : "\(at): \(context.debugDescription)."
                @unknown default:
                    return "it cannot be read."
                }
            }

            /// The key as the file spells it: `planStartFiscalYear` is `plan_start_fiscal_year`.
            static func snakeCase(_ key: String) -> String {
                var s = ""
                for c in key {
                    if c.isUppercase {
                        s += "_" + c.lowercased()
                    } else {
                        s.append(c)
                    }
                }
                return s
            }
        }

        struct Export: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Write the plan as a plan file, which 'plan import' reads back.",
                discussion: """
                    Example:
                      shinchoku-admin plan export --out plan.json
                    """)

            @Option(help: ArgumentHelp("The file to write (default: standard output).", valueName: "file"))
            var out: String?

            @OptionGroup var options: SharedOptions

            func run() async throws {
                try await Invocation.run(options) { run in
                    let plan = try await run.service.exportPlan(as: run.actor)
                    var data = try JSONEncoder.shinchoku.encode(plan)
                    data.append(0x0A)
                    try run.write(data, to: out)
                    if let out {
                        run.context.standardError.line(
                            "Wrote the plan (\(plan.projects.count) projects) to \(out).")
                    }
                }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show the projects, or one project with its indicators, targets and latest actuals.",
                discussion: """
                    The latest actual is the most recent approved figure (with --include-pending, also \
                    figures not yet approved, marked *).

                    Examples:
                      shinchoku-admin plan show
                      shinchoku-admin plan show 1-1
                      shinchoku-admin plan show --json
                    """)

            @Argument(help: "A project's plan number, such as 1-1 (default: every project).")
            var project: String?

            @Flag(help: "Count figures that are not yet approved as actuals.")
            var includePending = false

            @OptionGroup var options: SharedOptions

            func run() async throws {
                try await Invocation.run(options) { run in
                    let projects: [ProjectInfo]
                    if let project {
                        projects = [try await run.service.project(project, as: run.actor)]
                    } else {
                        projects = try await run.service.projects(as: run.actor)
                    }
                    let latest = try await LatestActuals.read(
                        run, project: project, includePending: includePending)
                    let shown = projects.map { p in
                        ShownProject(
                            project: p,
                            indicators: p.indicators.map {
                                ShownIndicator(indicator: $0, latestActual: latest[$0.code])
                            })
                    }
                    if run.json {
                        try run.emit(shown) { "" }
                    } else if project != nil {
                        run.say(Self.detail(shown[0]))
                    } else {
                        run.say(Self.overview(shown))
                    }
                }
            }

            /// One project: its title, department, and a table of its indicators.
            static func detail(_ shown: ShownProject) -> String {
                let p = shown.project
                var lines = [
                    "\(p.code)  \(p.title)",
                    "〔\(p.subtitle)〕",
                    "Program:    \(p.programCode) \(p.programName)",
                    "Department: \(p.department.code) (\(p.department.name))",
                    "",
                ]
                var table = TextTable("INDICATOR", "NAME", "BASELINE", "TARGET", "LATEST ACTUAL", "AS OF")
                for s in shown.indicators {
                    let i = s.indicator
                    let baseline =
                        i.baseline.map { "\($0)\(i.unit) (\(i.baselineAsOf.map(\.description) ?? ""))" } ?? "-"
                    let target =
                        "\(i.target)\(i.unit)\(i.targetQualifier.map { " \($0.japanese)" } ?? "") (FY\(i.targetFiscalYear))"
                    let actual = s.latestActual.map { a in
                        Format.figure(status: a.status, value: a.value, unit: i.actualUnit ?? i.unit)
                            + (a.state == .approved ? "" : " *")
                    }
                    let asOf = s.latestActual.map { "\($0.period) (\($0.asOf))" }
                    table.add(i.code, i.name, baseline, target, actual ?? "-", asOf ?? "-")
                }
                lines.append(table.render())
                if shown.indicators.contains(where: { $0.latestActual.map { $0.state != .approved } ?? false }) {
                    lines.append("* not yet approved")
                }
                return lines.joined(separator: "\n")
            }

            /// Every project, one line each.
            static func overview(_ shown: [ShownProject]) -> String {
                var table = TextTable("PROJECT", "DEPARTMENT", "SUBTITLE", "INDICATORS")
                for s in shown {
                    table.add(s.project.code, s.project.department.code, s.project.subtitle, "\(s.indicators.count)")
                }
                let indicators = shown.reduce(0) { $0 + $1.indicators.count }
                return table.aligningRight("INDICATORS").render()
                    + "\n\(shown.count) projects, \(indicators) indicators. Show one with: plan show 1-1"
            }
        }
    }
}

/// A project as `plan show` presents it: the plan's definition and each indicator's latest actual.
struct ShownProject: Encodable {
    var project: ProjectInfo
    var indicators: [ShownIndicator]

    /// The project's own fields, with `indicators` carrying their latest actuals.
    func encode(to encoder: any Encoder) throws {
        try project.encode(to: encoder)
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(indicators, forKey: .indicators)
    }

    private enum Key: String, CodingKey {
        case indicators
    }
}

/// An indicator's definition and its latest actual.
struct ShownIndicator: Encodable {
    var indicator: IndicatorInfo
    var latestActual: ReportData.Figure?

    func encode(to encoder: any Encoder) throws {
        try indicator.encode(to: encoder)
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(latestActual.map(LatestActual.init), forKey: .latestActual)
    }

    private enum Key: String, CodingKey {
        case latestActual
    }

    struct LatestActual: Encodable {
        var period: PeriodCode
        var status: FigureStatus
        var value: ExactDecimal?
        var asOf: CalendarDate
        var note: String?
        var state: WorkflowState

        init(_ f: ReportData.Figure) {
            period = f.period
            status = f.status
            value = f.value
            asOf = f.asOf
            note = f.note
            state = f.state
        }
    }
}

/// The latest figure of each indicator, as the reports count it.
enum LatestActuals {
    /// Report data as of the latest period holds the figures up to it, oldest first: the last is the latest.
    static func read(_ run: Invocation, project: String?, includePending: Bool) async throws
        -> [String: ReportData.Figure]
    {
        guard let latest = try await run.service.periods(as: run.actor).map(\.code).max() else { return [:] }
        // The latest figure is among those a report prints.
        let data = try await run.service.reportData(
            period: latest, project: project, includePending: includePending, history: .printed, as: run.actor)
        var result: [String: ReportData.Figure] = [:]
        for p in data.projects {
            for i in p.indicators {
                if let last = i.figures.last { result[i.code] = last }
            }
        }
        return result
    }
}
