import ArgumentParser
import Shinchoku

extension Admin {
    struct Period: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage reporting periods (fiscal quarters): planned → open → closed → locked.",
            discussion: """
                A period is a fiscal quarter: 2021Q1 is April–June 2021, 2021Q4 is January–March 2022.

                Example:
                  shinchoku-admin period create 2021Q1 --due 2021-07-31 --as admin
                  shinchoku-admin period open 2021Q1 --as admin
                """,
            subcommands: [
                Create.self, Open.self, Close.self, Lock.self, Reopen.self, Extend.self, List.self, Show.self,
                Status.self,
                Excuse.self, Unexcuse.self, Publish.self,
            ])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a period, planned (not yet open for entry).",
                discussion: """
                    Example:
                      shinchoku-admin period create 2021Q1 --due 2021-07-31 --as admin
                    """)

            @Argument(help: "The period, such as 2021Q1.")
            var period: String

            @Option(help: ArgumentHelp("When departments should have submitted (YYYY-MM-DD).", valueName: "date"))
            var due: String?

            @OptionGroup var options: SharedOptions

            func validate() throws {
                _ = try ArgumentCheck.period(period)
                if let due { _ = try ArgumentCheck.date(due, "--due") }
            }

            func run() async throws {
                try await Invocation.run(options) { run in
                    let p = try await run.service.createPeriod(
                        PeriodCode(period)!, due: due.flatMap { CalendarDate($0) }, as: run.actor)
                    try run.emit(p) {
                        "Created the period \(p.code) (\(p.startsOn) to \(p.endsOn)\(p.dueOn.map { ", due \($0)" } ?? "")), planned."
                    }
                }
            }
        }

        struct Open: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Open a planned period for entry.",
                discussion: """
                    Example:
                      shinchoku-admin period open 2021Q1 --as admin
                    """)

            @Argument(help: "The period, such as 2021Q1.")
            var period: String

            @OptionGroup var options: SharedOptions

            func validate() throws { _ = try ArgumentCheck.period(period) }

            func run() async throws {
                try await Invocation.run(options) { run in
                    let p = try await run.service.openPeriod(PeriodCode(period)!, as: run.actor)
                    try run.emit(p) { "Opened \(p.code): clerks can enter and submit figures." }
                }
            }
        }

        struct Close: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Close an open period: clerks can no longer submit.",
                discussion: """
                    Departments given an extension may still submit until its date.

                    Example:
                      shinchoku-admin period close 2021Q1 --as admin
                    """)

            @Argument(help: "The period, such as 2021Q1.")
            var period: String

            @OptionGroup var options: SharedOptions

            func validate() throws { _ = try ArgumentCheck.period(period) }

            func run() async throws {
                try await Invocation.run(options) { run in
                    let p = try await run.service.closePeriod(PeriodCode(period)!, as: run.actor)
                    try run.emit(p) { "Closed \(p.code)." }
                }
            }
        }

        struct Lock: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Lock a closed period: its figures are final.",
                discussion: """
                    Example:
                      shinchoku-admin period lock 2021Q1 --as admin
                    """)

            @Argument(help: "The period, such as 2021Q1.")
            var period: String

            @OptionGroup var options: SharedOptions

            func validate() throws { _ = try ArgumentCheck.period(period) }

            func run() async throws {
                try await Invocation.run(options) { run in
                    let p = try await run.service.lockPeriod(PeriodCode(period)!, as: run.actor)
                    try run.emit(p) { "Locked \(p.code)." }
                }
            }
        }

        struct Reopen: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Open a closed period again, for corrections (a locked period is final).",
                discussion: """
                    Example:
                      shinchoku-admin period reopen 2021Q1 --reason "港湾課の数値訂正" --as admin
                    """)

            @Argument(help: "The period, such as 2021Q1.")
            var period: String

            @Option(help: "Why the period opens again (kept in the audit log).")
            var reason: String

            @OptionGroup var options: SharedOptions

            func validate() throws {
                _ = try ArgumentCheck.period(period)
                try ArgumentCheck.notBlank(reason, "--reason")
            }

            func run() async throws {
                try await Invocation.run(options) { run in
                    let p = try await run.service.reopenPeriod(PeriodCode(period)!, reason: reason, as: run.actor)
                    try run.emit(p) { "Reopened \(p.code)." }
                }
            }
        }

        struct Extend: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Let one department submit in a closed period until a date.",
                discussion: """
                    Example:
                      shinchoku-admin period extend 2021Q1 --department ports --until 2021-08-15 \\
                          --reason "統計公表の遅れ" --as admin
                    """)

            @Argument(help: "The period, such as 2021Q1.")
            var period: String

            @Option(help: "The department's code.")
            var department: String

            @Option(help: ArgumentHelp("The last day the department may submit (YYYY-MM-DD).", valueName: "date"))
            var until: String

            @Option(help: "Why (kept in the audit log).")
            var reason: String

            @OptionGroup var options: SharedOptions

            func validate() throws {
                _ = try ArgumentCheck.period(period)
                _ = try ArgumentCheck.date(until, "--until")
                try ArgumentCheck.notBlank(reason, "--reason")
            }

            func run() async throws {
                try await Invocation.run(options) { run in
                    let p = try await run.service.extendPeriod(
                        PeriodCode(period)!, department: department, until: CalendarDate(until)!, reason: reason,
                        as: run.actor)
                    try run.emit(p) { "\(department) may submit in \(p.code) until \(until)." }
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the periods, oldest first.",
                discussion: """
                    Example:
                      shinchoku-admin period list
                    """)

            @OptionGroup var options: SharedOptions

            func run() async throws {
                try await Invocation.run(options) { run in
                    let periods = try await run.service.periods(as: run.actor)
                    try run.emit(periods) { Self.table(periods) }
                }
            }

            static func table(_ periods: [PeriodInfo]) -> String {
                var table = TextTable("PERIOD", "STATE", "STARTS", "ENDS", "DUE", "EXTENSIONS")
                for p in periods {
                    table.add(
                        p.code.description, p.state.rawValue, p.startsOn.description, p.endsOn.description,
                        p.dueOn?.description ?? "-",
                        p.extensions.map { "\($0.department) until \($0.until)" }.joined(separator: ", "))
                }
                return table.render()
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show one period and its extensions.",
                discussion: """
                    Example:
                      shinchoku-admin period show 2021Q1
                    """)

            @Argument(help: "The period, such as 2021Q1.")
            var period: String

            @OptionGroup var options: SharedOptions

            func validate() throws { _ = try ArgumentCheck.period(period) }

            func run() async throws {
                try await Invocation.run(options) { run in
                    let p = try await run.service.period(PeriodCode(period)!, as: run.actor)
                    try run.emit(p) {
                        var list = KeyValueList()
                        list.add("Period", "\(p.code) (FY\(p.fiscalYear) Q\(p.quarter))")
                        list.add("State", p.state.rawValue)
                        list.add("Dates", "\(p.startsOn) to \(p.endsOn)")
                        list.add("Due", p.dueOn?.description ?? "-")
                        for e in p.extensions {
                            list.add("Extension", "\(e.department) until \(e.until): \(e.reason)")
                        }
                        return list.render()
                    }
                }
            }
        }
    }
}
