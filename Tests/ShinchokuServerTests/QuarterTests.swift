import Foundation
import Hummingbird
import HummingbirdTesting
import Shinchoku
import TestSupport
import Testing

@Suite("A clerk's quarter, end to end")
struct QuarterTests {
    static let clerk = Fixtures.clerk("ports")
    static let figure = "/api/v1/periods/2021Q1/figures/1-1.1"

    @Test("save, submit, return, correct, resubmit, approve; history shows every step")
    func wholeQuarter() async throws {
        try await withAPI(passwords: [Self.clerk, Fixtures.approver]) { api, _ in
            let clerk = try await api.login(Self.clerk)
            let approver = try await api.login(Fixtures.approver)

            let me = try await api.call(.get, "/api/v1/me", token: clerk)
            #expect(me.status == .ok)
            #expect(me["login"] as? String == Self.clerk)
            #expect(me["department"] as? String == "ports")

            let before = try await api.call(.get, "/api/v1/periods/2021Q1/figures?project=1-1", token: clerk)
            #expect(before.status == .ok, "\(before.text)")

            // The clerk saves a draft and submits it.
            var saved = try await api.call(
                .put, Self.figure, token: clerk, json: #"{"value": "12", "status": "reported", "note": null}"#)
            #expect(saved.status == .ok, "\(saved.text)")
            #expect(saved["value"] as? String == "12")
            #expect(saved["state"] as? String == "draft")
            #expect(saved["indicator"] as? String == "1-1.1")
            #expect(saved["changed_since_approval"] as? Bool == false)
            var version = try #require(saved["version"] as? Int)

            var submitted = try await api.call(
                .post, Self.figure + "/submit", token: clerk, json: #"{"version": \#(version)}"#)
            #expect(submitted.status == .ok, "\(submitted.text)")
            #expect(submitted["state"] as? String == "submitted")
            version = try #require(submitted["version"] as? Int)

            // The approver finds it in the queue and returns it with a reason.
            let queue = try await api.call(.get, "/api/v1/review-queue", token: approver)
            #expect(queue.status == .ok)
            #expect(queue.array.contains { $0["indicator"] as? String == "1-1.1" && $0["version"] as? Int == version })

            let reason = "港湾の記録と照合してください (check against the port log)"
            let returned = try await api.call(
                .post, Self.figure + "/return", token: approver,
                json: #"{"version": \#(version), "reason": \#(reason.quoted)}"#)
            #expect(returned.status == .ok, "\(returned.text)")
            #expect(returned["state"] as? String == "returned")
            version = try #require(returned["version"] as? Int)

            // The clerk corrects and resubmits.
            saved = try await api.call(
                .put, Self.figure, token: clerk,
                json: #"{"value": "13", "status": "reported", "note": "港湾記録で再集計", "version": \#(version)}"#)
            #expect(saved.status == .ok, "\(saved.text)")
            #expect(saved["state"] as? String == "draft")
            #expect(saved["value"] as? String == "13")
            version = try #require(saved["version"] as? Int)
            submitted = try await api.call(
                .post, Self.figure + "/submit", token: clerk, json: #"{"version": \#(version)}"#)
            #expect(submitted.status == .ok, "\(submitted.text)")
            version = try #require(submitted["version"] as? Int)

            // The approver approves.
            let approved = try await api.call(
                .post, Self.figure + "/approve", token: approver, json: #"{"version": \#(version), "comment": "OK"}"#)
            #expect(approved.status == .ok, "\(approved.text)")
            #expect(approved["state"] as? String == "approved")
            #expect(approved["value"] as? String == "13")

            let listed = try await api.call(
                .get, "/api/v1/periods/2021Q1/figures?project=1-1&state=approved", token: clerk)
            #expect(listed.status == .ok)
            let row = try #require(listed.array.first { $0["indicator"] as? String == "1-1.1" })
            for key in ["indicator", "value", "status", "note", "state", "version", "changed_since_approval"] {
                #expect(row.keys.contains(key), "figure lacks \(key)")
            }

            // History: every step, in order, with the reason and the content at each step.
            let history = try await api.call(.get, Self.figure + "/history", token: clerk)
            #expect(history.status == .ok, "\(history.text)")
            let steps = history.array.map { $0["action"] as? String ?? "?" }
            #expect(steps == ["save", "submit", "return", "save", "submit", "approve"])
            #expect(history.array[2]["comment"] as? String == reason)
            #expect(history.array[2]["actor"] as? String == Fixtures.approver)
            let firstValue = (history.array[0]["figure"] as? [String: Any])?["value"] as? String
            #expect(firstValue == "12")
        }
    }

    @Test("a clerk of another department gets 403 and the figure is unchanged")
    func crossDepartmentWrites() async throws {
        let water = Fixtures.clerk("water")
        try await withAPI(passwords: [Self.clerk, water]) { api, world in
            let owner = try await api.login(Self.clerk)
            let other = try await api.login(water)
            let saved = try await api.call(.put, Self.figure, token: owner, json: #"{"value": "5"}"#)
            #expect(saved.status == .ok, "\(saved.text)")
            let version = try #require(saved["version"] as? Int)

            let snapshot = try await world.snapshot()
            let attempts: [(HTTPRequest.Method, String, String)] = [
                (.put, Self.figure, #"{"value": "99", "version": \#(version)}"#),
                (.post, Self.figure + "/submit", #"{"version": \#(version)}"#),
                (.put, "/api/v1/periods/2021Q1/narratives/1-1", #"{"progress": "他部署の書き込み"}"#),
            ]
            for (method, uri, body) in attempts {
                let reply = try await api.call(method, uri, token: other, json: body)
                #expect(reply.status == .forbidden, "\(method) \(uri): \(reply.text)")
                #expect(reply.code == "forbidden")
                #expect(reply.contentType == "application/problem+json")
            }
            #expect(try await world.snapshot() == snapshot)

            let unchanged = try await api.call(.get, Self.figure, token: owner)
            #expect(unchanged["value"] as? String == "5")
            #expect(unchanged["version"] as? Int == version)
        }
    }

    @Test("bulk approval approves all or nothing")
    func bulkApproval() async throws {
        let roads = Fixtures.clerk("roads")
        try await withAPI(passwords: [roads, Fixtures.approver]) { api, world in
            let clerk = try await api.login(roads)
            let approver = try await api.login(Fixtures.approver)
            var versions: [String: Int] = [:]
            for (indicator, value) in [("1-3.1", "2.5"), ("1-3.2", "1")] {
                let uri = "/api/v1/periods/2021Q1/figures/\(indicator)"
                let saved = try await api.call(.put, uri, token: clerk, json: #"{"value": "\#(value)"}"#)
                #expect(saved.status == .ok, "\(saved.text)")
                let submitted = try await api.call(
                    .post, uri + "/submit", token: clerk, json: #"{"version": \#(saved["version"] as? Int ?? 0)}"#)
                #expect(submitted.status == .ok, "\(submitted.text)")
                versions[indicator] = submitted["version"] as? Int
            }

            // One stale version: nothing is approved.
            let snapshot = try await world.snapshot()
            let stale = try await api.call(
                .post, "/api/v1/periods/2021Q1/approvals", token: approver,
                json:
                    #"{"items": [{"indicator": "1-3.1", "version": \#(versions["1-3.1"]!)}, {"indicator": "1-3.2", "version": 1}]}"#
            )
            #expect(stale.status == .conflict, "\(stale.text)")
            #expect(stale.code == "conflict")
            #expect(try await world.snapshot() == snapshot)

            let approved = try await api.call(
                .post, "/api/v1/periods/2021Q1/approvals", token: approver,
                json:
                    #"{"items": [{"indicator": "1-3.1", "version": \#(versions["1-3.1"]!)}, {"indicator": "1-3.2", "version": \#(versions["1-3.2"]!)}], "comment": "まとめて承認"}"#
            )
            #expect(approved.status == .ok, "\(approved.text)")
            #expect(approved.array.map { $0["state"] as? String } == ["approved", "approved"])
        }
    }

    @Test("a narrative goes through the same review")
    func narrative() async throws {
        try await withAPI(passwords: [Self.clerk, Fixtures.approver]) { api, _ in
            let clerk = try await api.login(Self.clerk)
            let approver = try await api.login(Fixtures.approver)
            let uri = "/api/v1/periods/2021Q1/narratives/1-1"

            var reply = try await api.call(
                .put, uri, token: clerk, json: #"{"progress": "共同輸送を3回実施した。", "outlook": "引き続き調整する。"}"#)
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply["state"] as? String == "draft")
            reply = try await api.call(
                .post, uri + "/submit", token: clerk, json: #"{"version": \#(reply["version"] as? Int ?? 0)}"#)
            #expect(reply.status == .ok, "\(reply.text)")
            reply = try await api.call(
                .post, uri + "/return", token: approver,
                json: #"{"version": \#(reply["version"] as? Int ?? 0), "reason": "実施時期を書いてください"}"#)
            #expect(reply.status == .ok, "\(reply.text)")
            reply = try await api.call(
                .put, uri, token: clerk,
                json:
                    #"{"progress": "6月までに共同輸送を3回実施した。", "outlook": "引き続き調整する。", "version": \#(reply["version"] as? Int ?? 0)}"#
            )
            #expect(reply.status == .ok, "\(reply.text)")
            reply = try await api.call(
                .post, uri + "/submit", token: clerk, json: #"{"version": \#(reply["version"] as? Int ?? 0)}"#)
            reply = try await api.call(
                .post, uri + "/approve", token: approver, json: #"{"version": \#(reply["version"] as? Int ?? 0)}"#)
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply["state"] as? String == "approved")

            let read = try await api.call(.get, uri, token: approver)
            #expect(read["progress"] as? String == "6月までに共同輸送を3回実施した。")
            let history = try await api.call(.get, uri + "/history", token: clerk)
            #expect(
                history.array.map { $0["action"] as? String ?? "?" } == [
                    "save", "submit", "return", "save", "submit", "approve",
                ])
        }
    }
}

@Suite("Reopening")
struct ReopenTests {
    @Test("an approved figure reopened with a reason can be corrected; reports keep the approved value meanwhile")
    func reopen() async throws {
        let clerk = Fixtures.clerk("ports")
        try await withAPI(passwords: [clerk, Fixtures.approver]) { api, _ in
            let c = try await api.login(clerk)
            let a = try await api.login(Fixtures.approver)
            let uri = QuarterTests.figure
            var r = try await api.call(.put, uri, token: c, json: #"{"value": "8"}"#)
            r = try await api.call(
                .post, uri + "/submit", token: c, json: #"{"version": \#(r["version"] as? Int ?? 0)}"#)
            r = try await api.call(
                .post, uri + "/approve", token: a, json: #"{"version": \#(r["version"] as? Int ?? 0)}"#)
            #expect(r["state"] as? String == "approved")

            let missingReason = try await api.call(
                .post, uri + "/reopen", token: a, json: #"{"version": \#(r["version"] as? Int ?? 0), "reason": ""}"#)
            expectProblem(missingReason, .unprocessableContent, "invalid")

            r = try await api.call(
                .post, uri + "/reopen", token: a,
                json: #"{"version": \#(r["version"] as? Int ?? 0), "reason": "出典の訂正があった"}"#)
            #expect(r.status == .ok, "\(r.text)")
            #expect(r["state"] as? String == "returned")
            r = try await api.call(
                .put, uri, token: c, json: #"{"value": "9", "note": "出典訂正", "version": \#(r["version"] as? Int ?? 0)}"#)
            #expect(r["changed_since_approval"] as? Bool == true)
            #expect(r["approved_value"] as? String == "8")

            let report = try await api.call(.get, "/api/v1/reports/2021Q1?format=csv&project=1-1", token: c)
            #expect(report.status == .ok)
            #expect(report.text.contains("8"))
        }
    }
}
