import ArgumentParser
import Foundation
import Shinchoku
import ShinchokuReports

extension Admin.Period {
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What a period still needs before its report publishes itself.",
            discussion: """
                Every indicator's figure and every project's narrative is required; each is missing, draft, \
                submitted, returned, approved or excused. Grouped per department, with counts.

                Example:
                  shinchoku-admin period status 2021Q1
                  shinchoku-admin period status 2021Q1 --json
                """)

        @Argument(help: "The period, such as 2021Q1.")
        var period: String

        @OptionGroup var options: SharedOptions

        func validate() throws { _ = try ArgumentCheck.period(period) }

        func run() async throws {
            try await Invocation.run(options) { run in
                let c = try await run.service.completeness(period: PeriodCode(period)!, as: run.actor)
                try run.emit(c) { Self.table(c) }
            }
        }

        static func table(_ c: PeriodCompleteness) -> String {
            var out = [
                "\(c.period): \(c.complete ? "complete" : "\(c.counts.outstanding) of \(c.counts.total) items outstanding")"
                    + " (" + counts(c.counts) + ")", "",
            ]
            var table = TextTable("DEPARTMENT", "ITEM", "CODE", "NAME", "STATE", "EXCUSED BECAUSE")
            for d in c.departments {
                for item in d.items {
                    table.add(
                        "\(d.code) (\(d.counts.approved + d.counts.excused)/\(d.counts.total))", item.kind.rawValue,
                        item.code, item.name, item.state.rawValue, item.excuseReason ?? "")
                }
            }
            out.append(table.render())
            return out.joined(separator: "\n")
        }

        static func counts(_ n: CompletenessCounts) -> String {
            [
                ("missing", n.missing), ("draft", n.draft), ("submitted", n.submitted), ("returned", n.returned),
                ("approved", n.approved), ("excused", n.excused),
            ].map { "\($0.1) \($0.0)" }.joined(separator: ", ")
        }
    }

    struct Excuse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Excuse a required item of a period, with a reason (approvers).",
            discussion: """
                An excused item counts as done for the period's completeness (for example, an indicator counted once \
                a year).

                Example:
                  shinchoku-admin period excuse 2021Q1 --indicator 1-1.1 --reason "年1回の集計" --as approver1
                  shinchoku-admin period excuse 2021Q1 --narrative 1-1 --reason "…" --as approver1
                """)

        @Argument(help: "The period, such as 2021Q1.")
        var period: String
        @Option(help: ArgumentHelp("The indicator whose figure is excused.", valueName: "code"))
        var indicator: String?
        @Option(help: ArgumentHelp("The project whose narrative is excused.", valueName: "code"))
        var narrative: String?
        @Option(help: "Why the item is not needed this period.")
        var reason: String

        @OptionGroup var options: SharedOptions

        func validate() throws {
            _ = try ArgumentCheck.period(period)
            guard (indicator == nil) != (narrative == nil) else {
                throw ValidationError("Name one item: --indicator CODE or --narrative PROJECT.")
            }
        }

        func run() async throws {
            try await Invocation.run(options) { run in
                let c = try await run.service.excuse(
                    period: PeriodCode(period)!, kind: indicator != nil ? .figure : .narrative,
                    code: indicator ?? narrative!, reason: reason, as: run.actor)
                try run.emit(c) { "Excused \(indicator ?? narrative!) in \(period).\n" + Status.table(c) }
            }
        }
    }

    struct Unexcuse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take an excusal back: the item is required again (approvers).",
            discussion: """
                Example:
                  shinchoku-admin period unexcuse 2021Q1 --indicator 1-1.1 --as approver1
                """)

        @Argument(help: "The period, such as 2021Q1.")
        var period: String
        @Option(help: ArgumentHelp("The indicator.", valueName: "code"))
        var indicator: String?
        @Option(help: ArgumentHelp("The project of the narrative.", valueName: "code"))
        var narrative: String?

        @OptionGroup var options: SharedOptions

        func validate() throws {
            _ = try ArgumentCheck.period(period)
            guard (indicator == nil) != (narrative == nil) else {
                throw ValidationError("Name one item: --indicator CODE or --narrative PROJECT.")
            }
        }

        func run() async throws {
            try await Invocation.run(options) { run in
                let c = try await run.service.unexcuse(
                    period: PeriodCode(period)!, kind: indicator != nil ? .figure : .narrative,
                    code: indicator ?? narrative!, as: run.actor)
                try run.emit(c) { "\(indicator ?? narrative!) is required again in \(period).\n" + Status.table(c) }
            }
        }
    }

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish the period's next edition by hand, with a reason (approvers).",
            discussion: """
                For example when items are excused. Audited. The edition is rendered and stored at once (and any \
                other pending publication with it); a running shinchoku-server would also publish it within seconds.

                Example:
                  shinchoku-admin period publish 2021Q1 --reason "免除2件を除き承認済み" --as approver1
                """)

        @Argument(help: "The period, such as 2021Q1.")
        var period: String
        @Option(help: "Why it is published by hand.")
        var reason: String

        @OptionGroup var options: SharedOptions

        func validate() throws { _ = try ArgumentCheck.period(period) }

        struct Published: Encodable {
            var request: PublicationRequestInfo
            var editions: [EditionInfo]
        }

        func run() async throws {
            try await Invocation.run(options) { run in
                let code = PeriodCode(period)!
                let request = try await run.service.requestPublication(period: code, reason: reason, as: run.actor)
                var made: [EditionInfo] = []
                while true {
                    let step = try await run.service.publishNext(render: EditionFormats.render)
                    if let e = step.edition { made.append(e) }
                    if !step.processed { break }
                }
                let editions = made.filter { $0.period == code }
                try run.emit(Published(request: request, editions: editions)) {
                    editions.last.map { "Published \(code) edition \($0.number) (第\($0.number)版)." }
                        ?? "Requested publication of \(code); the content equals the latest edition, so none was made."
                }
            }
        }
    }
}
