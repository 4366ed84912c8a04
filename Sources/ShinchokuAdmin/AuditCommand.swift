import ArgumentParser
import Shinchoku

extension Admin {
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read the audit log and verify its chain.",
            discussion: """
                Examples:
                  shinchoku-admin audit log --entity period --id 2021Q1 --as admin
                  shinchoku-admin audit verify --as admin
                """,
            subcommands: [Log.self, Verify.self])

        /// `--entity`: what audit events are about.
        enum Entity: String, ExpressibleByArgument, CaseIterable {
            case figure, narrative, project, user, period, department, plan, session
        }

        struct Log: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List audit events, oldest first: who did what, when, and why.",
                discussion: """
                    Times are in Japan (Asia/Tokyo). --json adds each event's before and after.

                    Examples:
                      shinchoku-admin audit log --as admin
                      shinchoku-admin audit log --entity figure --id 2021Q1/1-1.1 --as admin
                      shinchoku-admin audit log --actor yamada --since 2021-07-01 --json \\
                          --as admin
                    """)

            @Option(help: "Only events about this kind of thing.")
            var entity: Entity?

            @Option(help: "Only events about this one thing (with --entity): a login, 2021Q1, 1-1, 2021Q1/1-1.1.")
            var id: String?

            @Option(
                help: ArgumentHelp(
                    "Only events by this login (bootstrap: the setup of the first admin).", valueName: "login"))
            var actor: String?

            @Option(help: ArgumentHelp("Only events on or after this day (YYYY-MM-DD, in Japan).", valueName: "date"))
            var since: String?

            @Option(help: "At most this many events, the most recent.")
            var limit = 1000

            @OptionGroup var options: SharedOptions

            func validate() throws {
                if let since { _ = try ArgumentCheck.date(since, "--since") }
                if id != nil && entity == nil {
                    throw ValidationError("--id needs --entity, such as --entity figure --id 2021Q1/1-1.1.")
                }
                guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be 1 to 100000.") }
            }

            func run() async throws {
                try await Invocation.run(options) { run in
                    let filter = AuditFilter(
                        entity: entity.flatMap { AuditEntity(rawValue: $0.rawValue) }, id: id, actor: actor,
                        since: since.flatMap { CalendarDate($0) }, limit: limit)
                    let events = try await run.service.auditLog(filter: filter, as: run.actor)
                    try run.emit(events) {
                        if events.isEmpty { return "No audit events match." }
                        var table = TextTable("TIME", "ACTOR", "ACTION", "ENTITY", "ID", "REASON")
                        for e in events {
                            table.add(
                                Format.time(e.at), e.actor, e.action, e.entity.rawValue, e.entityID, e.reason ?? "")
                        }
                        return table.render()
                    }
                }
            }
        }

        struct Verify: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Recompute the audit chain: exit 0 if every event is as it was written, 65 if not.",
                discussion: """
                    Walks every audit event in chain order, recomputes its SHA-256 hash from its content and the \
                    hash of the event before it, and compares the end of the chain with its recorded head. \
                    Prints the number of events and the head hash, which every report prints too. At the first \
                    event that was altered, deleted, inserted or reordered, names it and exits 65. \
                    Admins and approvers (and, without --as, the operator on the host) may verify.

                    Examples:
                      shinchoku-admin audit verify --as admin
                      shinchoku-admin audit verify --json --as admin
                    """)

            @OptionGroup var options: SharedOptions

            func run() async throws {
                try await Invocation.run(options) { run in
                    let v = try await run.service.verifyAuditChain(as: run.actor)
                    try run.emit(v) {
                        v.isIntact ? "OK: \(v.eventsChecked) events, head \(v.head.hash)" : ""
                    }
                    if let problem = v.problem {
                        throw AdminError.invalidData(
                            "The audit chain is broken at \(problem.message).",
                            details: [
                                "\(v.eventsChecked) events before it are intact; the chain head records \(v.head.events) "
                                    + "events, head \(v.head.hash)."
                            ])
                    }
                }
            }
        }
    }
}
