import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Shinchoku
import ShinchokuServer
import TestSupport
import Testing

@Suite("Health, plan, periods, reports")
struct ReadingTests {
    @Test("healthz answers without a session; readyz checks the database and its migrations")
    func health() async throws {
        try await withAPI { api, _ in
            let health = try await api.call(.get, "/healthz")
            #expect(health.status == .ok)
            #expect(health["status"] as? String == "ok")
            let ready = try await api.call(.get, "/readyz")
            #expect(ready.status == .ok, "\(ready.text)")
            #expect(ready["status"] as? String == "ready")
        }
    }

    @Test("readyz is 503 while migrations are pending")
    func notReady() async throws {
        try await TestDatabase.with(migrated: false) { db in
            let app = try buildApplication(
                configuration: ServerConfiguration(), service: db.service(), logger: LogCapture().logger())
            try await app.test(.router) { client in
                let api = API(client: client)
                expectProblem(try await api.call(.get, "/readyz"), .serviceUnavailable, "not_ready")
                #expect(try await api.call(.get, "/healthz").status == .ok)
            }
        }
    }

    @Test("the plan: departments, projects with indicators, one indicator")
    func plan() async throws {
        let clerk = Fixtures.clerk("ports")
        try await withAPI(passwords: [clerk]) { api, _ in
            let token = try await api.login(clerk)
            let departments = try await api.call(.get, "/api/v1/departments", token: token)
            #expect(departments.status == .ok)
            #expect(departments.array.contains { $0["code"] as? String == "ports" })

            let projects = try await api.call(.get, "/api/v1/projects", token: token)
            #expect(projects.array.first?["code"] as? String == "1-1")

            let project = try await api.call(.get, "/api/v1/projects/1-1", token: token)
            #expect(project.status == .ok)
            let indicators = try #require(project["indicators"] as? [[String: Any]])
            #expect(indicators.first?["code"] as? String == "1-1.1")
            #expect((project["department"] as? [String: Any])?["code"] as? String == "ports")

            let indicator = try await api.call(.get, "/api/v1/indicators/1-1.1", token: token)
            #expect(indicator["target"] as? String == "35")
            #expect(indicator["value_type"] as? String == "count")

            expectProblem(try await api.call(.get, "/api/v1/projects"), .unauthorized, "unauthenticated")
        }
    }

    @Test("periods: the list and one period")
    func periods() async throws {
        let clerk = Fixtures.clerk("ports")
        try await withAPI(passwords: [clerk]) { api, _ in
            let token = try await api.login(clerk)
            let list = try await api.call(.get, "/api/v1/periods", token: token)
            #expect(list.array.map { $0["code"] as? String } == ["2020Q4", "2021Q1", "2021Q2"])
            let one = try await api.call(.get, "/api/v1/periods/2021q1", token: token)
            #expect(one["state"] as? String == "open")
            #expect(one["starts_on"] as? String == "2021-04-01")
        }
    }

    @Test("reports in every format, with the format's Content-Type and the audit chain's head in headers")
    func reports() async throws {
        let clerk = Fixtures.clerk("ports")
        try await withAPI(passwords: [clerk]) { api, world in
            let token = try await api.login(clerk)
            _ = try await api.call(.put, "/api/v1/periods/2021Q1/figures/1-1.1", token: token, json: #"{"value": "3"}"#)
            let expected = [
                "json": "application/json", "md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
                "csv": "text/csv; charset=utf-8; header=present",
            ]
            for (format, contentType) in expected {
                let reply = try await api.call(.get, "/api/v1/reports/2021Q1?format=\(format)", token: token)
                #expect(reply.status == .ok, "\(format): \(reply.text.prefix(300))")
                #expect(reply.contentType == contentType)
                #expect(!reply.text.isEmpty)
                // Reading a report writes no audit event, so the head is still the one as of the report.
                let head = try await world.service.verifyAuditChain(as: .local).head
                #expect(reply.headers[HTTPField.Name("Shinchoku-Audit-Chain-Head")!] == head.hash, "\(format)")
                #expect(reply.headers[HTTPField.Name("Shinchoku-Audit-Chain-Events")!] == String(head.events))
                if format != "csv" { #expect(reply.text.contains(head.hash), "\(format) prints the head") }
            }
            // xlsx: a binary attachment with the same headers of the audit chain.
            let xlsx = try await api.call(.get, "/api/v1/reports/2021Q1?format=xlsx", token: token)
            #expect(xlsx.status == .ok)
            #expect(xlsx.contentType == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            #expect(xlsx.headers[.contentDisposition] == #"attachment; filename="shinchoku-2021Q1.xlsx""#)
            #expect(xlsx.bytes.starts(with: Array("PK".utf8)))
            #expect(xlsx.headers[.contentLength] == String(xlsx.bytes.count))
            let head = try await world.service.verifyAuditChain(as: .local).head
            #expect(xlsx.headers[HTTPField.Name("Shinchoku-Audit-Chain-Head")!] == head.hash)
            if await XLSXReader.shouldRun() {
                let book = try await XLSXReader.read(xlsx.bytes)
                #expect(book.sheets.first?.name == "指標")
                #expect(book.sheets.count > 1)
            }
            let pending = try await api.call(
                .get, "/api/v1/reports/2021Q1?format=md&project=1-1&include_pending=true", token: token)
            #expect(pending.status == .ok)
            expectProblem(
                try await api.call(.get, "/api/v1/reports/2021Q1?include_pending=perhaps", token: token), .badRequest,
                "bad_request")
            expectProblem(
                try await api.call(.get, "/api/v1/reports/2021Q1?project=9-9", token: token), .notFound, "not_found")
        }
    }
}

@Suite("Admin routes")
struct AdminTests {
    @Test("accounts: create, list, role, reset password, disable and enable")
    func accounts() async throws {
        try await withAPI(passwords: [Fixtures.admin]) { api, _ in
            let admin = try await api.login(Fixtures.admin)
            let created = try await api.call(
                .post, "/api/v1/admin/users", token: admin,
                json: #"{"login": "sato", "display_name": "佐藤", "role": "clerk", "department": "water"}"#)
            #expect(created.status == .created, "\(created.text)")
            let password = try #require(created["generated_password"] as? String)

            let login = try await api.call(
                .post, "/api/v1/sessions", json: #"{"login": "sato", "password": \#(password.quoted)}"#)
            #expect(login.status == .created)

            let duplicate = try await api.call(
                .post, "/api/v1/admin/users", token: admin,
                json: #"{"login": "sato", "display_name": "佐藤", "role": "clerk", "department": "water"}"#)
            expectProblem(duplicate, .conflict, "conflict")

            let badRole = try await api.call(
                .post, "/api/v1/admin/users", token: admin,
                json: #"{"login": "suzuki", "display_name": "鈴木", "role": "boss"}"#)
            expectProblem(badRole, .unprocessableContent, "invalid")
            #expect(fields(badRole) == ["role"])

            let users = try await api.call(.get, "/api/v1/admin/users", token: admin)
            #expect(users.array.contains { $0["login"] as? String == "sato" })

            let role = try await api.call(
                .put, "/api/v1/admin/users/sato/role", token: admin, json: #"{"role": "clerk", "department": "roads"}"#)
            #expect(role.status == .ok, "\(role.text)")
            #expect(role["department"] as? String == "roads")

            let reset = try await api.call(.post, "/api/v1/admin/users/sato/reset-password", token: admin)
            #expect(reset.status == .ok)
            let newPassword = try #require(reset["password"] as? String)
            #expect(newPassword != password)

            let set = try await api.call(
                .put, "/api/v1/admin/users/sato/password", token: admin, json: #"{"password": "short"}"#)
            expectProblem(set, .unprocessableContent, "invalid")

            #expect(try await api.call(.post, "/api/v1/admin/users/sato/disable", token: admin).status == .ok)
            let enabled = try await api.call(.post, "/api/v1/admin/users/sato/enable", token: admin)
            #expect(enabled["disabled"] as? Bool == false)
            expectProblem(
                try await api.call(.post, "/api/v1/admin/users/nobody/disable", token: admin), .notFound, "not_found")
        }
    }

    @Test("periods: create, open, close, extend, lock, reopen")
    func periods() async throws {
        try await withAPI(passwords: [Fixtures.admin]) { api, _ in
            let admin = try await api.login(Fixtures.admin)
            let created = try await api.call(
                .post, "/api/v1/admin/periods", token: admin, json: #"{"period": "2021Q3", "due_on": "2022-01-31"}"#)
            #expect(created.status == .created, "\(created.text)")
            #expect(created["state"] as? String == "planned")
            expectProblem(
                try await api.call(.post, "/api/v1/admin/periods", token: admin, json: #"{"period": "2021Q5"}"#),
                .unprocessableContent, "invalid")

            var reply = try await api.call(.post, "/api/v1/admin/periods/2021Q3/open", token: admin)
            #expect(reply["state"] as? String == "open")
            expectProblem(
                try await api.call(.post, "/api/v1/admin/periods/2021Q3/open", token: admin), .conflict, "conflict")
            reply = try await api.call(.post, "/api/v1/admin/periods/2021Q3/close", token: admin)
            #expect(reply["state"] as? String == "closed")
            reply = try await api.call(
                .post, "/api/v1/admin/periods/2021Q3/extensions", token: admin,
                json: #"{"department": "ports", "until": "2099-01-31", "reason": "台風被害のため"}"#)
            #expect(reply.status == .ok, "\(reply.text)")
            #expect((reply["extensions"] as? [[String: Any]])?.first?["department"] as? String == "ports")
            expectProblem(
                try await api.call(
                    .post, "/api/v1/admin/periods/2021Q3/reopen", token: admin, json: #"{"reason": " "}"#),
                .unprocessableContent, "invalid")
            reply = try await api.call(
                .post, "/api/v1/admin/periods/2021Q3/reopen", token: admin, json: #"{"reason": "数値の訂正"}"#)
            #expect(reply["state"] as? String == "open")
            reply = try await api.call(.post, "/api/v1/admin/periods/2021Q3/close", token: admin)
            reply = try await api.call(.post, "/api/v1/admin/periods/2021Q3/lock", token: admin)
            #expect(reply["state"] as? String == "locked")
            // Locked is final.
            expectProblem(
                try await api.call(
                    .post, "/api/v1/admin/periods/2021Q3/reopen", token: admin, json: #"{"reason": "再訂正"}"#),
                .conflict, "conflict")

            let audit = try await api.call(.get, "/api/v1/admin/audit-events?entity=period&id=2021Q3", token: admin)
            #expect(audit.status == .ok, "\(audit.text)")
            #expect(audit.array.compactMap { $0["action"] as? String }.contains("period.reopen"))
        }
    }
}
