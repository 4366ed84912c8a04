import Foundation
import Hummingbird
import Shinchoku

/// The admin screens, admins only (the service refuses everyone else, which shows as a 403 page):
/// - `GET /admin`: links to the others.
/// - `GET /admin/users`, `POST /admin/users` (`login`, `display_name`, `role`, `department`),
///   `POST /admin/users/{login}/disable|enable|reset-password`. A new or reset password is shown once, on the
///   response to the POST (not stored, not in a URL).
/// - `GET /admin/periods`, `POST /admin/periods` (`period`, `due_on`), `POST /admin/periods/{period}/open|close|lock`,
///   `POST /admin/periods/{period}/reopen` (`reason`), `POST /admin/periods/{period}/extensions` (`department`,
///   `until`, `reason`).
/// - `GET /admin/departments`, `POST /admin/departments/{code}` (`name`),
///   `POST /admin/projects/{project}/department` (`department`, `reason`).
struct AdminScreens: Sendable {
    let screens: WebScreens

    struct Option: Sendable {
        var value: String
        var label: String
        var selected: Bool
    }

    struct UserLine: Sendable {
        var login: String
        var displayName: String
        var role: String
        var department: String?
        var disabled: Bool
        var base: String
    }

    struct UsersPage: Sendable {
        var frame: Frame
        var users: [UserLine]
        var roles: [Option]
        var departments: [Option]
        var shownPassword: String?
        var shownFor: String?
        var errors: [FieldMessage]
        var hasErrors: Bool
        var typed: [String: String]
    }

    struct PeriodLine: Sendable {
        var code: String
        var label: String
        var state: String
        var due: String?
        var base: String
        var canOpen: Bool
        var canClose: Bool
        var canLock: Bool
        var canReopen: Bool
        var extensions: [String]
    }

    struct PeriodsPage: Sendable {
        var frame: Frame
        var periods: [PeriodLine]
        var departments: [Option]
        var errors: [FieldMessage]
        var hasErrors: Bool
    }

    struct ProjectLine: Sendable {
        var code: String
        var title: String
        var department: String
        var options: [Option]
        var base: String
    }

    struct DepartmentLine: Sendable {
        var code: String
        var name: String
        var base: String
    }

    struct DepartmentsPage: Sendable {
        var frame: Frame
        var departments: [DepartmentLine]
        var projects: [ProjectLine]
        var errors: [FieldMessage]
        var hasErrors: Bool
    }

    struct IndexPage: Sendable {
        var frame: Frame
    }

    func register(on web: some RouterMethods<ShinchokuRequestContext>) {
        web.get("admin") { request, context -> Response in
            let viewer = try await screens.viewer(context)
            // The admin screens' data is admins' only: ask the service, which refuses others.
            _ = try await screens.service.users(as: viewer.actor)
            return screens.pages.render(
                "admin", IndexPage(frame: viewer.frame(title: "管理", current: "/admin", notice: Notice.from(request))))
        }

        // Accounts
        web.get("admin/users") { request, context -> Response in
            let viewer = try await screens.viewer(context)
            return try await usersPage(viewer, notice: Notice.from(request))
        }
        web.post("admin/users") { request, context -> Response in
            var request = request
            let form = try await WebForm.read(&request)
            let viewer = try await screens.viewer(context)
            var v = Validation()
            let role = v.choice(form["role"], "role", as: Role.self)
            v.require(form["login"] != nil, "login", "enter a login", ja: "ログインIDを入力してください。")
            v.require(form["display_name"] != nil, "display_name", "enter a name", ja: "氏名を入力してください。")
            v.require(role != nil, "role", "choose a role", ja: "役割を選んでください。")
            do {
                try v.check()
                let created = try await screens.service.createUser(
                    login: form["login"] ?? "", displayName: form["display_name"] ?? "", role: role ?? .clerk,
                    department: form["department"], as: viewer.actor)
                return try await usersPage(
                    viewer, notice: "アカウントを作成しました。", password: created.generatedPassword, for: created.user.login)
            } catch let e as ServiceError where e.code == .invalid || e.code == .conflict {
                let errors =
                    e.fieldErrors.isEmpty
                    ? [FieldMessage(field: "login", label: "ログインID", message: e.pageMessage)] : e.fieldMessages
                return try await usersPage(
                    viewer, notice: nil, errors: errors,
                    typed: [
                        "login": form.fields["login"]?.first ?? "",
                        "display_name": form.fields["display_name"]?.first ?? "",
                    ], status: .unprocessableContent)
            }
        }
        for step in ["disable", "enable", "reset-password"] {
            web.post(RouterPath("admin/users/{login}/\(step)")) { request, context -> Response in
                var request = request
                _ = try await WebForm.read(&request)
                let viewer = try await screens.viewer(context)
                let login = try context.path("login")
                switch step {
                case "disable": _ = try await screens.service.disableUser(login: login, as: viewer.actor)
                case "enable": _ = try await screens.service.enableUser(login: login, as: viewer.actor)
                default:
                    let password = try await screens.service.resetPassword(login: login, as: viewer.actor)
                    return try await usersPage(
                        viewer, notice: "パスワードを再発行しました。\(login) のログインはすべて終了しました。", password: password,
                        for: login)
                }
                return WebRedirect.to("/admin/users?notice=changed")
            }
        }

        // Periods
        web.get("admin/periods") { request, context -> Response in
            let viewer = try await screens.viewer(context)
            return try await periodsPage(viewer, notice: Notice.from(request), errors: [])
        }
        web.post("admin/periods") { request, context -> Response in
            var request = request
            let form = try await WebForm.read(&request)
            let viewer = try await screens.viewer(context)
            var v = Validation()
            let period = v.period(form["period"], "period")
            let due = v.date(form["due_on"], "due")
            v.require(
                form["period"] != nil, "period", "enter a period such as 2021Q3",
                ja: "期間を 2021Q3 のように入力してください。")
            do {
                try v.check()
                _ = try await screens.service.createPeriod(period!, due: due, as: viewer.actor)
                return WebRedirect.to("/admin/periods?notice=changed")
            } catch let e as ServiceError where e.code == .invalid || e.code == .conflict {
                return try await periodsPage(
                    viewer, notice: nil, errors: Self.messages(e), status: .unprocessableContent)
            }
        }
        for step in ["open", "close", "lock", "reopen", "extensions"] {
            web.post(RouterPath("admin/periods/{period}/\(step)")) { request, context -> Response in
                var request = request
                let form = try await WebForm.read(&request)
                let viewer = try await screens.viewer(context)
                let period = try context.period()
                do {
                    switch step {
                    case "open": _ = try await screens.service.openPeriod(period, as: viewer.actor)
                    case "close": _ = try await screens.service.closePeriod(period, as: viewer.actor)
                    case "lock": _ = try await screens.service.lockPeriod(period, as: viewer.actor)
                    case "reopen":
                        _ = try await screens.service.reopenPeriod(
                            period, reason: form.raw("reason") ?? "", as: viewer.actor)
                    default:
                        var v = Validation()
                        let until = v.date(form["until"], "until")
                        v.require(
                            form["until"] != nil, "until", "enter the last day of the extension",
                            ja: "延長期限（延長する最終日）を入力してください。")
                        try v.check()
                        _ = try await screens.service.extendPeriod(
                            period, department: form["department"] ?? "", until: until!,
                            reason: form.raw("reason") ?? "", as: viewer.actor)
                    }
                    return WebRedirect.to("/admin/periods?notice=changed")
                } catch let e as ServiceError where e.code == .invalid || e.code == .conflict {
                    return try await periodsPage(
                        viewer, notice: nil, errors: Self.messages(e), status: .unprocessableContent)
                }
            }
        }

        // Departments and project ownership
        web.get("admin/departments") { request, context -> Response in
            let viewer = try await screens.viewer(context)
            return try await departmentsPage(viewer, notice: Notice.from(request), errors: [])
        }
        web.post("admin/departments/{code}") { request, context -> Response in
            var request = request
            let form = try await WebForm.read(&request)
            let viewer = try await screens.viewer(context)
            do {
                _ = try await screens.service.renameDepartment(
                    code: context.path("code"), name: form["name"] ?? "", as: viewer.actor)
                return WebRedirect.to("/admin/departments?notice=changed")
            } catch let e as ServiceError where e.code == .invalid || e.code == .conflict {
                return try await departmentsPage(
                    viewer, notice: nil, errors: Self.messages(e), status: .unprocessableContent)
            }
        }
        web.post("admin/projects/{project}/department") { request, context -> Response in
            var request = request
            let form = try await WebForm.read(&request)
            let viewer = try await screens.viewer(context)
            do {
                _ = try await screens.service.assignProject(
                    context.path("project"), to: form["department"] ?? "", reason: form.raw("reason") ?? "",
                    as: viewer.actor)
                return WebRedirect.to("/admin/departments?notice=changed")
            } catch let e as ServiceError where e.code == .invalid || e.code == .conflict {
                return try await departmentsPage(
                    viewer, notice: nil, errors: Self.messages(e), status: .unprocessableContent)
            }
        }
    }

    static func messages(_ e: ServiceError) -> [FieldMessage] {
        e.fieldErrors.isEmpty ? [FieldMessage(field: "input", label: "操作", message: e.pageMessage)] : e.fieldMessages
    }

    private func departmentOptions(_ viewer: Viewer, selected: String? = nil, approving: Bool = false) async throws
        -> [Option]
    {
        try await screens.service.departments(as: viewer.actor).filter { approving || !$0.approving }.map {
            Option(value: $0.code, label: "\($0.name)（\($0.code)）", selected: $0.code == selected)
        }
    }

    private func usersPage(
        _ viewer: Viewer, notice: String?, password: String? = nil, for login: String? = nil,
        errors: [FieldMessage] = [], typed: [String: String] = [:], status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let users = try await screens.service.users(as: viewer.actor)
        return screens.pages.render(
            "admin-users",
            UsersPage(
                frame: viewer.frame(title: "アカウント管理", current: "/admin", notice: notice),
                users: users.map {
                    UserLine(
                        login: $0.login, displayName: $0.displayName, role: Labels.role($0.role),
                        department: $0.department, disabled: $0.disabled, base: "/admin/users/\($0.login)")
                },
                roles: Role.allCases.map { Option(value: $0.rawValue, label: Labels.role($0), selected: $0 == .clerk) },
                departments: try await departmentOptions(viewer, approving: true), shownPassword: password,
                shownFor: login, errors: errors, hasErrors: !errors.isEmpty, typed: typed),
            status: status)
    }

    private func periodsPage(
        _ viewer: Viewer, notice: String?, errors: [FieldMessage], status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let periods = try await screens.service.periods(as: viewer.actor)
        // Reading periods is open to all; make sure the viewer is an admin before showing the controls.
        _ = try await screens.service.users(as: viewer.actor)
        return screens.pages.render(
            "admin-periods",
            PeriodsPage(
                frame: viewer.frame(title: "期間の管理", current: "/admin", notice: notice),
                periods: periods.reversed().map { p in
                    PeriodLine(
                        code: p.code.description, label: Labels.period(p.code), state: Labels.periodState(p.state),
                        due: p.dueOn.map(Labels.date), base: "/admin/periods/\(p.code)",
                        canOpen: p.state == .planned, canClose: p.state == .open, canLock: p.state == .closed,
                        canReopen: p.state == .closed,  // a locked period is final
                        extensions: p.extensions.map { "\($0.department): \(Labels.date($0.until))まで（\($0.reason)）" })
                },
                departments: try await departmentOptions(viewer), errors: errors, hasErrors: !errors.isEmpty),
            status: status)
    }

    private func departmentsPage(
        _ viewer: Viewer, notice: String?, errors: [FieldMessage], status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        _ = try await screens.service.users(as: viewer.actor)
        let departments = try await screens.service.departments(as: viewer.actor)
        let projects = try await screens.service.projects(as: viewer.actor)
        return screens.pages.render(
            "admin-departments",
            DepartmentsPage(
                frame: viewer.frame(title: "担当課と事業の管理", current: "/admin", notice: notice),
                departments: departments.map {
                    DepartmentLine(code: $0.code, name: $0.name, base: "/admin/departments/\($0.code)")
                },
                projects: projects.map { p in
                    ProjectLine(
                        code: p.code, title: p.title, department: p.department.name,
                        options: departments.filter { !$0.approving }.map {
                            Option(value: $0.code, label: $0.name, selected: $0.code == p.department.code)
                        }, base: "/admin/projects/\(p.code)/department")
                }, errors: errors, hasErrors: !errors.isEmpty),
            status: status)
    }
}
