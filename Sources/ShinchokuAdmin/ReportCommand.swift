import ArgumentParser
import Foundation
import Logging
import Shinchoku
import ShinchokuReports

extension Admin {
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render the report of actual against target as of a period.",
            discussion: """
                Only approved figures are counted unless --include-pending is given (pending values are \
                then marked). Without --out the report goes to standard output. Every report prints the audit \
                chain's head as of its making (md and html in the footer, json as audit_chain); for csv it goes \
                to standard error. xlsx (an Excel workbook: the indicator table, then one sheet per project's \
                narrative) is a binary file and needs --out.

                Examples:
                  shinchoku-admin report --period 2021Q1 --format html --out 2021Q1.html
                  shinchoku-admin report --period 2021Q1 --department ports --full-width
                  shinchoku-admin report --period 2021Q1 --format xlsx --out 2021Q1.xlsx
                """)

        /// `--format`.
        enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
            case md, html, csv, json, xlsx
        }

        @Option(help: "The period the report is as of, such as 2021Q1.")
        var period: String

        @Option(help: "md (default), html, csv, json or xlsx (needs --out).")
        var format: OutputFormat?

        @Option(help: ArgumentHelp("The file to write (default: standard output).", valueName: "file"))
        var out: String?

        @Flag(help: "Count figures not yet approved (marked as pending).")
        var includePending = false

        @Option(help: "Only this project, such as 1-1.")
        var project: String?

        @Option(help: "Only this department's projects.")
        var department: String?

        @Flag(help: "Print digits full-width (１．０), as the prefecture's printed report does (md and html).")
        var fullWidth = false

        /// Hidden: reads and renders the report this many times and prints the times to standard error instead of
        /// the report (docs/performance.md). Not a test: timings vary with the machine.
        @Option(help: .hidden)
        var bench: Int?

        @OptionGroup var options: SharedOptions

        func validate() throws {
            _ = try ArgumentCheck.period(period, "period for --period")
            if let bench, bench < 1 { throw ValidationError("--bench needs a number of runs of 1 or more.") }
            if options.json, let format, format != .json {
                throw ValidationError(
                    "--json asks for --format json; leave out one of --json and --format \(format.rawValue).")
            }
            if format == .xlsx, out == nil {
                throw ValidationError(
                    "--format xlsx writes an Excel workbook, which is binary and cannot go to standard output: "
                        + "give the file with --out FILE.xlsx.")
            }
        }

        func run() async throws {
            let chosen: ReportFormat = options.json ? .json : ReportFormat(rawValue: (format ?? .md).rawValue)!
            try await Invocation.run(options) { run in
                if let bench {
                    try await timed(run, format: chosen, runs: bench)
                    return
                }
                let data = try await run.service.reportData(
                    period: PeriodCode(period)!, project: project, department: department,
                    includePending: includePending, history: chosen.history, as: run.actor)
                // xlsx writes a temporary file: bytes(_:options:) renders it off the cooperative pool.
                let bytes = try await ShinchokuReports.Report.bytes(
                    data, options: ReportOptions(format: chosen, fullWidthDigits: fullWidth))
                try run.write(bytes, to: out)
                if let out {
                    run.context.standardError.line("Wrote the \(chosen.rawValue) report as of \(period) to \(out).")
                }
                // The other formats print the audit chain's head themselves; CSV and xlsx files are data tables.
                if chosen == .csv || chosen == .xlsx, let head = data.auditChain {
                    run.context.standardError.line(
                        "Audit chain head as of this report: \(head.hash) (\(head.events) events).")
                }
            }
        }

        /// `--bench`: the median and least times of reading the report's data and of rendering it.
        private func timed(_ run: Invocation, format: ReportFormat, runs: Int) async throws {
            let clock = ContinuousClock()
            var reads: [Duration] = []
            var renders: [Duration] = []
            var size = 0
            for _ in 0..<runs {
                let start = clock.now
                let data = try await run.service.reportData(
                    period: PeriodCode(period)!, project: project, department: department,
                    includePending: includePending, history: format.history,
                    planTexts: format.printsPlanTexts, as: run.actor)
                let read = clock.now
                size = try await ShinchokuReports.Report.bytes(
                    data, options: ReportOptions(format: format, fullWidthDigits: fullWidth)
                ).count
                reads.append(read - start)
                renders.append(clock.now - read)
            }
            func ms(_ d: Duration) -> String {
                let (s, a) = d.components
                return String(Double(s) * 1000 + Double(a) / 1e15)
            }
            func summary(_ times: [Duration]) -> String {
                let sorted = times.sorted()
                return "median \(ms(sorted[sorted.count / 2])) ms, least \(ms(sorted[0])) ms"
            }
            let totals = zip(reads, renders).map { $0 + $1 }
            run.context.standardError.line(
                "report \(period) \(format.rawValue), \(runs) runs, \(size) bytes: total \(summary(totals)); "
                    + "read \(summary(reads)); render \(summary(renders))")
        }
    }

    struct DemoData: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "demo-data",
            abstract: "Load the plan and the figures of the prefecture's FY2021 Q1 report, with demo accounts.",
            discussion: """
                Each department gets a clerk whose login is its code (ports, water, …), the planning \
                division an approver (planning); on an empty database an admin 'admin' is created first. \
                The figures are entered, submitted and approved through the same rules as real ones, and \
                their periods locked. Running it again adds nothing. Demo accounts have no password: give \
                one with 'user reset-password LOGIN --as admin'.

                Example:
                  shinchoku-admin demo-data
                """)

        /// Hidden: then make the plan this many times larger (``ScaledDemo``), for benchmarks. Needs a superuser.
        @Option(help: .hidden)
        var scale: Int?

        /// Hidden: with `--scale`, the quarters of approved history (default 2).
        @Option(help: .hidden)
        var historyQuarters: Int?

        @OptionGroup var options: SharedOptions

        func run() async throws {
            try await Invocation.run(options) { run in
                let s = try await run.service.loadDemoData(as: run.actor)
                if let scale {
                    try await ScaledDemo.load(
                        scale: scale, quarters: historyQuarters ?? 2, superuser: run.pool.configuration,
                        logger: Logger(label: "shinchoku-admin"))
                }
                try run.emit(s) {
                    var text = """
                        Loaded the demo data: \(s.projects) projects, \(s.indicators) indicators, \
                        \(s.figuresLoaded) figures and \(s.narrativesLoaded) narratives approved.
                        """
                    if !s.accountsCreated.isEmpty {
                        text += "\nAccounts created: \(s.accountsCreated.joined(separator: ", "))."
                    }
                    return text
                }
            }
        }
    }
}
