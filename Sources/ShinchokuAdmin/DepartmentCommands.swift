import ArgumentParser
import Shinchoku

extension Admin {
    struct Department: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, create and rename departments.",
            discussion: """
                Example:
                  shinchoku-admin department create tourism \\
                      --name "観光スポーツ文化部 観光政策課" --as admin
                """,
            subcommands: [List.self, Create.self, Rename.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the departments.",
                discussion: """
                    Example:
                      shinchoku-admin department list
                    """)

            @OptionGroup var options: SharedOptions

            func run() async throws {
                try await Invocation.run(options) { run in
                    let departments = try await run.service.departments(as: run.actor)
                    try run.emit(departments) {
                        var table = TextTable("CODE", "NAME", "ROLE")
                        for d in departments {
                            table.add(d.code, d.name, d.approving ? "approving division" : "submits figures")
                        }
                        return table.render()
                    }
                }
            }
        }

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create a department.",
                discussion: """
                    The code is 2–32 lower-case letters, digits or _, starting with a letter; it never changes.

                    Example:
                      shinchoku-admin department create tourism \\
                          --name "観光スポーツ文化部 観光政策課" --as admin
                    """)

            @Argument(help: "The department's code, such as tourism.")
            var code: String

            @Option(help: "The department's name as the prefecture writes it.")
            var name: String

            @OptionGroup var options: SharedOptions

            func validate() throws { try ArgumentCheck.notBlank(name, "--name") }

            func run() async throws {
                try await Invocation.run(options) { run in
                    let d = try await run.service.createDepartment(code: code, name: name, as: run.actor)
                    try run.emit(d) { "Created the department \(d.code) (\(d.name))." }
                }
            }
        }

        struct Rename: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Rename a department; its code stays.",
                discussion: """
                    Example:
                      shinchoku-admin department rename ports --name "土木建築部 港湾課" \\
                          --as admin
                    """)

            @Argument(help: "The department's code.")
            var code: String

            @Option(help: "The new name.")
            var name: String

            @OptionGroup var options: SharedOptions

            func validate() throws { try ArgumentCheck.notBlank(name, "--name") }

            func run() async throws {
                try await Invocation.run(options) { run in
                    let d = try await run.service.renameDepartment(code: code, name: name, as: run.actor)
                    try run.emit(d) { "Renamed the department \(d.code) to \(d.name)." }
                }
            }
        }
    }

    struct Project: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage project ownership.",
            discussion: """
                Example:
                  shinchoku-admin project assign 1-2 --department ports \\
                      --reason "組織改正" --as admin
                """,
            subcommands: [Assign.self])

        struct Assign: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Transfer a project to another department.",
                discussion: """
                    The department's clerks enter the project's figures from now on. The transfer and its \
                    reason go into the audit log.

                    Example:
                      shinchoku-admin project assign 1-2 --department ports \\
                          --reason "組織改正" --as admin
                    """)

            @Argument(help: "The project's plan number, such as 1-2.")
            var project: String

            @Option(help: "The code of the department that takes the project over.")
            var department: String

            @Option(help: "Why the project changes hands (kept in the audit log).")
            var reason: String

            @OptionGroup var options: SharedOptions

            func validate() throws { try ArgumentCheck.notBlank(reason, "--reason") }

            func run() async throws {
                try await Invocation.run(options) { run in
                    let p = try await run.service.assignProject(
                        project, to: department, reason: reason, as: run.actor)
                    try run.emit(p) {
                        "Project \(p.code) now belongs to \(p.department.code) (\(p.department.name))."
                    }
                }
            }
        }
    }
}
