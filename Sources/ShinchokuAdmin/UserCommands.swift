import ArgumentParser
import Shinchoku

extension Admin {
    struct User: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage accounts: create, list, disable, enable, change roles, reset passwords.",
            discussion: """
                On an empty database, the first account is an admin, created without --as.

                Example:
                  shinchoku-admin user create --login admin --name "管理者" --role admin
                """,
            subcommands: [
                Create.self, List.self, Show.self, Disable.self, Enable.self, SetRole.self, SetEmail.self,
                ResetPassword.self,
            ])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create an account.",
                discussion: """
                    A clerk belongs to a department that submits figures; an approver to the approving \
                    division (planning) or to none; an admin to none. Without --password-stdin a strong \
                    password is generated and printed once: hand it over safely.

                    While the database has no admin, the first admin can be created without --as.

                    Examples:
                      shinchoku-admin user create --login admin --name "管理者" --role admin
                      shinchoku-admin user create --login yamada --name "山田 花子" \\
                          --role clerk --department ports --as admin
                      printf '%s\\n' "$PASSWORD" | shinchoku-admin user create --login sato \\
                          --name "佐藤 一郎" --role approver --department planning \\
                          --password-stdin --as admin
                    """)

            @Option(help: "The login: 2–64 lower-case letters, digits, _, . or -.")
            var login: String

            @Option(help: "The name shown to others, such as 山田 花子.")
            var name: String

            @Option(help: "The account's role.")
            var role: RoleArgument

            @Option(help: "The department's code (a clerk's department, or planning for an approver).")
            var department: String?

            @Flag(help: "Read the password from the first line of standard input instead of generating one.")
            var passwordStdin = false

            @Option(help: "Where notifications are mailed, such as yamada@example.jp (default: none).")
            var email: String?

            @OptionGroup var options: SharedOptions

            func validate() throws { try ArgumentCheck.notBlank(name, "--name") }

            func run() async throws {
                try await Invocation.run(options) { run in
                    let password = passwordStdin ? try run.passwordFromStandardInput() : nil
                    let created = try await run.service.createUser(
                        login: login, displayName: name, role: role.role, department: department,
                        password: password, email: email, as: run.actor)
                    try run.emit(created) {
                        let u = created.user
                        var text = "Created the \(u.role.rawValue) account \(u.login) (\(u.displayName)"
                        text += u.department.map { ", \($0))." } ?? ")."
                        if let generated = created.generatedPassword {
                            text += "\nPassword (shown only this once; hand it over safely): \(generated)"
                        }
                        return text
                    }
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the accounts.",
                discussion: """
                    Example:
                      shinchoku-admin user list --as admin
                      shinchoku-admin user list --json --as admin
                    """)

            @OptionGroup var options: SharedOptions

            func run() async throws {
                try await Invocation.run(options) { run in
                    let users = try await run.service.users(as: run.actor)
                    try run.emit(users) {
                        var table = TextTable("LOGIN", "NAME", "ROLE", "DEPARTMENT", "STATE")
                        for u in users {
                            table.add(
                                u.login, u.displayName, u.role.rawValue, u.department ?? "-",
                                u.disabled ? "disabled" : "enabled")
                        }
                        return table.render()
                    }
                }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show one account.",
                discussion: """
                    Example:
                      shinchoku-admin user show yamada --as admin
                    """)

            @Argument(help: "The account's login.")
            var login: String

            @OptionGroup var options: SharedOptions

            func run() async throws {
                try await Invocation.run(options) { run in
                    let u = try await run.service.user(login: login, as: run.actor)
                    try run.emit(u) {
                        var list = KeyValueList()
                        list.add("Login", u.login)
                        list.add("Name", u.displayName)
                        list.add("Role", u.role.rawValue)
                        list.add("Department", u.department ?? "-")
                        list.add("State", u.disabled ? "disabled" : "enabled")
                        list.add("Email", u.email ?? "-")
                        list.add("Created", Format.day(u.createdAt))
                        return list.render()
                    }
                }
            }
        }

        struct Disable: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Disable an account and end its sessions.",
                discussion: """
                    Example:
                      shinchoku-admin user disable yamada --as admin
                    """)

            @Argument(help: "The account's login.")
            var login: String

            @OptionGroup var options: SharedOptions

            func run() async throws {
                try await Invocation.run(options) { run in
                    let u = try await run.service.disableUser(login: login, as: run.actor)
                    try run.emit(u) { "Disabled the account \(u.login); its sessions have ended." }
                }
            }
        }

        struct Enable: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Enable a disabled account.",
                discussion: """
                    Example:
                      shinchoku-admin user enable yamada --as admin
                    """)

            @Argument(help: "The account's login.")
            var login: String

            @OptionGroup var options: SharedOptions

            func run() async throws {
                try await Invocation.run(options) { run in
                    let u = try await run.service.enableUser(login: login, as: run.actor)
                    try run.emit(u) { "Enabled the account \(u.login)." }
                }
            }
        }

        struct SetRole: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "set-role",
                abstract: "Change an account's role and department.",
                discussion: """
                    Example:
                      shinchoku-admin user set-role yamada --role clerk --department water \\
                          --as admin
                    """)

            @Argument(help: "The account's login.")
            var login: String

            @Option(help: "The account's role.")
            var role: RoleArgument

            @Option(help: "The department's code (required for a clerk).")
            var department: String?

            @OptionGroup var options: SharedOptions

            func run() async throws {
                try await Invocation.run(options) { run in
                    let u = try await run.service.setRole(
                        login: login, role: role.role, department: department, as: run.actor)
                    try run.emit(u) {
                        "\(u.login) is now \(u.role.rawValue)\(u.department.map { " in \($0)" } ?? "")."
                    }
                }
            }
        }

        struct SetEmail: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "set-email",
                abstract: "Set or clear the address an account's notifications are mailed to.",
                discussion: """
                    Examples:
                      shinchoku-admin user set-email yamada yamada@example.jp --as admin
                      shinchoku-admin user set-email yamada --clear --as admin
                    """)

            @Argument(help: "The account's login.")
            var login: String

            @Argument(help: "The address, such as yamada@example.jp.")
            var email: String?

            @Flag(help: "Remove the account's address: it gets in-app notifications only.")
            var clear = false

            @OptionGroup var options: SharedOptions

            func validate() throws {
                if clear == (email != nil) {
                    throw ValidationError("Give either an address or --clear.")
                }
            }

            func run() async throws {
                try await Invocation.run(options) { run in
                    let u = try await run.service.setEmail(login: login, email: email, as: run.actor)
                    try run.emit(u) {
                        u.email.map { "\(u.login)'s notifications are mailed to \($0)." }
                            ?? "\(u.login) has no email address now."
                    }
                }
            }
        }

        struct ResetPassword: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "reset-password",
                abstract: "Give an account a new password and end its sessions.",
                discussion: """
                    Without --password-stdin a strong password is generated and printed once.

                    Examples:
                      shinchoku-admin user reset-password yamada --as admin
                      printf '%s\\n' "$PASSWORD" | shinchoku-admin user reset-password yamada \\
                          --password-stdin --as admin
                    """)

            @Argument(help: "The account's login.")
            var login: String

            @Flag(help: "Read the new password from the first line of standard input.")
            var passwordStdin = false

            @OptionGroup var options: SharedOptions

            struct Result: Encodable {
                var login: String
                /// Nil when the password came from standard input.
                var generatedPassword: String?
            }

            func run() async throws {
                try await Invocation.run(options) { run in
                    if passwordStdin {
                        let password = try run.passwordFromStandardInput()
                        _ = try await run.service.setPassword(login: login, password: password, as: run.actor)
                        try run.emit(Result(login: login)) {
                            "Set a new password for \(login); its sessions have ended."
                        }
                    } else {
                        let password = try await run.service.resetPassword(login: login, as: run.actor)
                        try run.emit(Result(login: login, generatedPassword: password)) {
                            """
                            Reset the password of \(login); its sessions have ended.
                            New password (shown only this once; hand it over safely): \(password)
                            """
                        }
                    }
                }
            }
        }
    }
}
