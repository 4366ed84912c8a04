import Foundation
import Hummingbird
import Shinchoku

/// Accounts, periods and the audit trail, over the same service calls as `shinchoku-admin`. The service decides
/// who may do what (admins for all changes; approvers may also read the audit trail).
struct AdminController<Context: SessionRequestContext>: Sendable {
    let service: ShinchokuService

    struct CreateUserBody: Decodable {
        var login: String
        var displayName: String
        var role: String
        var department: String?
        var password: String?
        var email: String?

        enum CodingKeys: String, CodingKey {
            case login, role, department, password, email
            case displayName = "display_name"
        }
    }

    struct RoleBody: Decodable {
        var role: String
        var department: String?
    }

    struct EmailBody: Decodable {
        /// The new address; null clears it.
        var email: String?
    }

    struct PasswordBody: Decodable {
        var password: String
    }

    struct ResetPasswordResult: ResponseEncodable, Sendable {
        var login: String
        /// The new password, shown this once.
        var password: String
    }

    struct CreatePeriodBody: Decodable {
        var period: String
        var dueOn: String?

        enum CodingKeys: String, CodingKey {
            case period
            case dueOn = "due_on"
        }
    }

    struct ReasonBody: Decodable {
        var reason: String
    }

    struct ExtensionBody: Decodable {
        var department: String
        var until: String
        var reason: String
    }

    func register(on api: some RouterMethods<Context>) {
        // Accounts
        api.get("admin/users") { _, context in
            try await service.users(as: context.actor)
        }
        api.post("admin/users") { request, context in
            let body = try await request.decodeJSON(CreateUserBody.self)
            var v = Validation()
            let role = v.choice(body.role, "role", as: Role.self)
            try v.check()
            let created = try await service.createUser(
                login: body.login, displayName: body.displayName, role: role!, department: body.department,
                password: body.password, email: body.email, as: context.actor)
            // Carries the generated password when the admin gave none.
            return EditedResponse.secret(created, status: .created)
        }
        api.get("admin/users/{login}") { _, context in
            try await service.user(login: context.path("login"), as: context.actor)
        }
        api.post("admin/users/{login}/disable") { _, context in
            try await service.disableUser(login: context.path("login"), as: context.actor)
        }
        api.put("admin/users/{login}/email") { request, context in
            let body = try await request.decodeJSON(EmailBody.self)
            return try await service.setEmail(login: context.path("login"), email: body.email, as: context.actor)
        }
        api.post("admin/users/{login}/enable") { _, context in
            try await service.enableUser(login: context.path("login"), as: context.actor)
        }
        api.put("admin/users/{login}/role") { request, context in
            let body = try await request.decodeJSON(RoleBody.self)
            var v = Validation()
            let role = v.choice(body.role, "role", as: Role.self)
            try v.check()
            return try await service.setRole(
                login: context.path("login"), role: role!, department: body.department, as: context.actor)
        }
        api.put("admin/users/{login}/password") { request, context in
            let body = try await request.decodeJSON(PasswordBody.self)
            return try await service.setPassword(
                login: context.path("login"), password: body.password, as: context.actor)
        }
        api.post("admin/users/{login}/reset-password") { _, context in
            let login = try context.path("login")
            let password = try await service.resetPassword(login: login, as: context.actor)
            return EditedResponse.secret(ResetPasswordResult(login: login, password: password))
        }

        // Periods
        api.post("admin/periods") { request, context in
            let body = try await request.decodeJSON(CreatePeriodBody.self)
            var v = Validation()
            let period = v.period(body.period, "period")
            let due = v.date(body.dueOn, "due_on")
            try v.check()
            return EditedResponse(
                status: .created, response: try await service.createPeriod(period!, due: due, as: context.actor))
        }
        api.post("admin/periods/{period}/open") { _, context in
            try await service.openPeriod(context.period(), as: context.actor)
        }
        api.post("admin/periods/{period}/close") { _, context in
            try await service.closePeriod(context.period(), as: context.actor)
        }
        api.post("admin/periods/{period}/lock") { _, context in
            try await service.lockPeriod(context.period(), as: context.actor)
        }
        api.post("admin/periods/{period}/reopen") { request, context in
            let body = try await request.decodeJSON(ReasonBody.self)
            return try await service.reopenPeriod(context.period(), reason: body.reason, as: context.actor)
        }
        api.post("admin/periods/{period}/extensions") { request, context in
            let body = try await request.decodeJSON(ExtensionBody.self)
            var v = Validation()
            let until = v.date(body.until, "until")
            try v.check()
            return try await service.extendPeriod(
                context.period(), department: body.department, until: until!, reason: body.reason,
                as: context.actor)
        }

        // Audit trail
        api.get("admin/audit-events") { request, context in
            var filter = AuditFilter()
            filter.entity = try request.query("entity", as: AuditEntity.self)
            filter.id = request.query("id")
            filter.actor = request.query("actor")
            if let since = request.query("since") {
                guard let date = CalendarDate(since) else {
                    throw RequestError.badRequest(
                        "The query parameter since must be a date such as 2021-06-30.", field: "since",
                        message: "must be a date such as 2021-06-30")
                }
                filter.since = date
            }
            if let limit = request.query("limit") {
                guard let n = Int(limit) else {
                    throw RequestError.badRequest(
                        "The query parameter limit must be a whole number.", field: "limit",
                        message: "must be a whole number")
                }
                filter.limit = n
            }
            return try await service.auditLog(filter: filter, as: context.actor)
        }
    }
}
