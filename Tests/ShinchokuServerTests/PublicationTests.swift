import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LibPQ
import Logging
import Shinchoku
import ShinchokuReports
import ShinchokuServer
import TestSupport
import Testing

/// Runs the real publisher (the server's worker) while `body` runs.
func withPublisher<T: Sendable>(
    _ service: ShinchokuService, _ body: () async throws -> T
) async throws -> T {
    let publisher = Publisher(service: service, logger: Logger(label: "test.publisher"), pollInterval: .seconds(1))
    let task = Task { try await publisher.run() }
    defer { task.cancel() }
    return try await body()
}

@Suite("Publication: completeness, editions, corrections")
struct PublicationTests {
    let q1 = WorkflowFixtures.q1
    let approver = WorkflowFixtures.approver

    @Test("Approving the last required item publishes edition 1, byte for byte the live report of that moment")
    func lastApprovalPublishes() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            try await PublicationFixtures.approveAll(db, q1)
            #expect(try await s.completeness(period: q1, as: approver).complete == false)
            try await withPublisher(s) {
                #expect(try await PublicationFixtures.editions(db, q1).isEmpty)
                try await WorkflowFixtures.approved(db, q1, "1-1.1", "5")
                let published = try await PublicationFixtures.eventually {
                    try await PublicationFixtures.editions(db, q1)[1] != nil
                }
                #expect(published, "edition 1 did not appear")
            }
            let live = try await s.reportData(period: q1, as: approver)
            for format in EditionFormats.all {
                let file = try #require(try await s.editionFile(period: q1, number: 1, format: format.rawValue))
                #expect(file.bytes == (try Report.render(live, options: ReportOptions(format: format))), "\(format)")
            }
            let editions = try await s.editions(period: q1)
            #expect(editions.count == 1)
            #expect(editions.first?.triggeredBy == "政策企画課 審査担当")
            #expect(editions.first?.formats == ["csv", "html", "json", "md", "xlsx"])
            #expect(editions.first?.auditChain.hash == live.auditChain?.hash)
            // Provenance of the approved figure, in the JSON edition.
            let json = try #require(try await s.editionFile(period: q1, number: 1, format: "json"))
            let text = String(decoding: json.bytes, as: UTF8.self)
            #expect(text.contains("\"entered_by\": \"担当 "))
            #expect(text.contains("\"approved_by\": \"政策企画課 審査担当\""))
            #expect(text.contains("\"submitted_at\": \"20"))
            let html = try #require(try await s.editionFile(period: q1, number: 1, format: "html"))
            #expect(String(decoding: html.bytes, as: UTF8.self).contains("付録：数値の出所"))
            // The request was processed once: another round publishes nothing.
            #expect(try await s.publishNext(render: EditionFormats.render).processed == false)
        }
    }

    @Test("An edition refuses UPDATE and DELETE: no grant for the app, and a trigger for everyone")
    func editionsAreImmutable() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            try await PublicationFixtures.approveAll(db, q1, except: nil)
            _ = try await s.requestPublication(period: q1, reason: "テスト", as: approver)
            #expect(try await s.publishNext(render: EditionFormats.render).edition?.number == 1)
            for sql: SQLQuery in [
                "UPDATE editions SET reason = 'x'", "DELETE FROM editions", "UPDATE edition_files SET format = 'x'",
                "DELETE FROM edition_files", "TRUNCATE editions CASCADE",
            ] {
                await #expect(throws: PostgresError.self) {
                    try await db.pool.withConnection { c in _ = try c.execute(sql) }
                }
                await #expect(throws: PostgresError.self) {
                    try await db.superuserPool.withConnection { c in _ = try c.execute(sql) }
                }
            }
            #expect(try await PublicationFixtures.editions(db, q1)[1]?.count == EditionFormats.all.count)
        }
    }

    @Test("A request left by a crash before its edition is published when the publisher starts")
    func crashRecovery() async throws {
        try await TestDatabase.withStandard { db in
            try await PublicationFixtures.approveAll(db, q1, except: nil)
            // The approval committed its request; the process died before the publisher ran.
            try await db.arrange { c in
                try c.execute(
                    """
                    INSERT INTO publication_requests (period_code, requested_by, manual)
                    VALUES ('2021Q1', (SELECT id FROM users WHERE login = 'approver'), false)
                    """)
            }
            #expect(try await PublicationFixtures.editions(db, q1).isEmpty)
            let s = db.service()
            try await withPublisher(s) {
                let published = try await PublicationFixtures.eventually {
                    try await PublicationFixtures.editions(db, q1)[1] != nil
                }
                #expect(published)
            }
            #expect(
                try await WorkflowFixtures.scalar(
                    db, String.self, "SELECT outcome FROM publication_requests") == "published")
        }
    }

    @Test("Reopen, correct and approve again: edition 2 with a 正誤表; edition 1 unchanged")
    func correctionMakesEdition2() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            try await PublicationFixtures.approveAll(db, q1)
            try await withPublisher(s) {
                let f = try await WorkflowFixtures.approved(db, q1, "1-1.1", "5")
                #expect(
                    try await PublicationFixtures.eventually {
                        try await PublicationFixtures.editions(db, q1)[1] != nil
                    })
                let first = try await PublicationFixtures.editions(db, q1)[1]
                let reopened = try await s.reopenFigure(
                    period: q1, indicator: "1-1.1", version: f.version, reason: "集計誤りのため訂正", as: approver)
                let clerk = try WorkflowFixtures.owner(of: "1-1.1")
                let saved = try await s.saveFigure(
                    period: q1, indicator: "1-1.1",
                    input: FigureInput(value: WorkflowFixtures.decimal("7"), version: reopened.version), as: clerk)
                let sent = try await s.submitFigure(period: q1, indicator: "1-1.1", version: saved.version, as: clerk)
                // Reopened: the period is not complete, and nothing new is published yet.
                #expect(try await s.completeness(period: q1, as: approver).complete == false)
                _ = try await s.approveFigure(
                    period: q1, indicator: "1-1.1", version: sent.version, as: WorkflowFixtures.approver2)
                #expect(
                    try await PublicationFixtures.eventually {
                        try await PublicationFixtures.editions(db, q1)[2] != nil
                    })
                #expect(try await PublicationFixtures.editions(db, q1)[1] == first, "edition 1 changed")
            }
            for format in EditionFormats.all where !format.isBinary {
                let file = try #require(try await s.editionFile(period: q1, number: 2, format: format.rawValue))
                let text = String(decoding: file.bytes, as: UTF8.self)
                #expect(
                    format == .json ? text.contains("\"edition\": 2") : text.contains("正誤表（第2版）"), "\(format)")
                #expect(text.contains("1-1.1"), "\(format)")
                #expect(text.contains("集計誤りのため訂正"), "\(format)")
                #expect(text.contains("政策企画課 審査担当"), "\(format)")
            }
            // The workbook carries it too, as a sheet of its own after the indicator table.
            if await XLSXReader.shouldRun() {
                let xlsx = try #require(try await s.editionFile(period: q1, number: 2, format: "xlsx"))
                let book = try await XLSXReader.read(xlsx.bytes)
                #expect(book.sheets.map(\.name).prefix(2) == ["指標", "正誤表"])
                let cells = (book.sheet("正誤表")?.rows ?? []).flatMap { $0 }.compactMap(\.value)
                #expect(cells.first == "正誤表（第2版）")
                #expect(cells.contains { $0.contains("1-1.1") }, "\(cells)")
                #expect(cells.contains("集計誤りのため訂正") && cells.contains("政策企画課 審査担当"), "\(cells)")
            }
            let md = String(
                decoding: try #require(try await s.editionFile(period: q1, number: 2, format: "md")).bytes,
                as: UTF8.self)
            let row = try #require(md.split(separator: "\n").first { $0.contains("集計誤りのため訂正") })
            #expect(row.contains("| 5"), "\(row)")
            #expect(row.contains("| 7"), "\(row)")
            let edition1 = String(
                decoding: try #require(try await s.editionFile(period: q1, number: 1, format: "md")).bytes,
                as: UTF8.self)
            #expect(!edition1.contains("正誤表"))
            #expect(try await s.editions(period: q1).map(\.number) == [2, 1])
        }
    }

    @Test("Completeness: missing, draft, submitted, returned, approved and excused, per department")
    func completenessStates() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            let clerk = try WorkflowFixtures.owner(of: "1-1.1")
            _ = try await s.saveFigure(
                period: q1, indicator: "1-3.1", input: FigureInput(value: WorkflowFixtures.decimal("1")),
                as: try WorkflowFixtures.owner(of: "1-3.1"))
            try await WorkflowFixtures.submitted(db, q1, "1-3.2", "1")
            let r = try await WorkflowFixtures.submitted(db, q1, "1-4.1", "1")
            _ = try await s.returnFigure(
                period: q1, indicator: "1-4.1", version: r.version, reason: "確認を", as: approver)
            try await WorkflowFixtures.approved(db, q1, "1-1.1", "1")

            // Excusing: approvers only, with a reason; a refusal changes nothing.
            try await WorkflowFixtures.expectRejected(db, .forbidden) {
                try await s.excuse(period: q1, kind: .figure, code: "2.1", reason: "年1回", as: clerk)
            }
            try await WorkflowFixtures.expectRejected(db, .invalid, field: "reason") {
                try await s.excuse(period: q1, kind: .figure, code: "2.1", reason: "　", as: approver)
            }
            try await WorkflowFixtures.expectRejected(db, .notFound) {
                try await s.excuse(period: q1, kind: .figure, code: "99.9", reason: "年1回", as: approver)
            }
            let before = try await WorkflowFixtures.lastAuditID(db)
            let c = try await s.excuse(period: q1, kind: .figure, code: "2.1", reason: "年1回の集計", as: approver)
            #expect(try await WorkflowFixtures.audit(db, after: before).map(\.action) == ["period.excuse"])
            let items = Dictionary(
                c.departments.flatMap(\.items).map { ("\($0.kind.rawValue):\($0.code)", $0) },
                uniquingKeysWith: { a, _ in a })
            #expect(items["figure:1-1.1"]?.state == .approved)
            #expect(items["figure:1-3.1"]?.state == .draft)
            #expect(items["figure:1-3.2"]?.state == .submitted)
            #expect(items["figure:1-4.1"]?.state == .returned)
            #expect(items["figure:2.1"]?.state == .excused)
            #expect(items["figure:2.1"]?.excuseReason == "年1回の集計")
            #expect(items["figure:1-2.1"]?.state == .missing)
            #expect(items["narrative:1-1"]?.state == .missing)
            #expect(c.counts.total == 24 + 14)
            #expect(c.counts.approved == 1 && c.counts.excused == 1 && c.counts.draft == 1)
            #expect(c.counts.submitted == 1 && c.counts.returned == 1 && c.counts.missing == 33)
            #expect(c.departments.map(\.counts.total).reduce(0, +) == 38)
            #expect(!c.complete)
            try await WorkflowFixtures.expectRejected(db, .conflict) {
                try await s.excuse(period: q1, kind: .figure, code: "2.1", reason: "again", as: approver)
            }
            let back = try await s.unexcuse(period: q1, kind: .figure, code: "2.1", as: approver)
            #expect(back.counts.excused == 0 && back.counts.missing == 34)
        }
    }

    @Test("Manual publication needs an approver and a reason, and is audited")
    func manualPublication() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            try await WorkflowFixtures.expectRejected(db, .forbidden) {
                try await s.requestPublication(period: q1, reason: "手動", as: try WorkflowFixtures.owner(of: "1-1.1"))
            }
            try await WorkflowFixtures.expectRejected(db, .forbidden) {
                try await s.requestPublication(period: q1, reason: "手動", as: WorkflowFixtures.admin)
            }
            try await WorkflowFixtures.expectRejected(db, .invalid, field: "reason") {
                try await s.requestPublication(period: q1, reason: " ", as: approver)
            }
            try await WorkflowFixtures.expectRejected(db, .periodNotOpen) {
                try await s.requestPublication(period: WorkflowFixtures.q2, reason: "手動", as: approver)
            }
            let before = try await WorkflowFixtures.lastAuditID(db)
            let request = try await s.requestPublication(period: q1, reason: "免除を除き承認済み", as: approver)
            #expect(request.manual && request.reason == "免除を除き承認済み")
            #expect(try await WorkflowFixtures.audit(db, after: before).map(\.action) == ["period.publish"])
            let edition = try #require(try await s.publishNext(render: EditionFormats.render).edition)
            #expect(edition.number == 1 && edition.manual && edition.reason == "免除を除き承認済み")
        }
    }

    @Test("Two concurrent last approvals publish one edition")
    func concurrentLastApprovals() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            try await PublicationFixtures.approveAll(db, q1)
            try await db.arrange { c in
                try c.execute(
                    "DELETE FROM narratives WHERE project_id = (SELECT id FROM projects WHERE code = '2')")
            }
            let figure = try await WorkflowFixtures.submitted(db, q1, "1-1.1", "5")
            let clerk = try WorkflowFixtures.owner(of: "2")
            let saved = try await s.saveNarrative(
                period: q1, project: "2", input: NarrativeInput(progress: "進んだ", outlook: "続ける"), as: clerk)
            let narrative = try await s.submitNarrative(period: q1, project: "2", version: saved.version, as: clerk)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    _ = try await s.approveFigure(period: q1, indicator: "1-1.1", version: figure.version, as: approver)
                }
                group.addTask {
                    _ = try await s.approveNarrative(
                        period: q1, project: "2", version: narrative.version, as: WorkflowFixtures.approver2)
                }
                try await group.waitForAll()
            }
            #expect(try await WorkflowFixtures.scalar(db, Int.self, "SELECT count(*) FROM publication_requests") == 1)
            while try await s.publishNext(render: EditionFormats.render).processed {}
            #expect(try await PublicationFixtures.editions(db, q1).keys.sorted() == [1])
        }
    }
}

@Suite("Publication over HTTP: the API and the public URLs")
struct PublicationHTTPTests {
    @Test("The last approval through the API publishes; the public URLs serve it without login, with ETags")
    func publicURLs() async throws {
        try await withAPI(passwords: [Fixtures.approver]) { api, world in
            let q1 = WorkflowFixtures.q1
            #expect(try await api.call(.get, "/published/2021Q1").status == .notFound)
            #expect(try await api.call(.get, "/published/2021Q1/editions/1.html").status == .notFound)
            try await PublicationFixtures.approveAll(world.db, q1)
            let figure = try await WorkflowFixtures.submitted(world.db, q1, "1-1.1", "5")
            let token = try await api.login(Fixtures.approver)
            let status = try await api.call(.get, "/api/v1/periods/2021Q1/completeness", token: token)
            #expect(status.status == .ok)
            #expect(status["complete"] as? Bool == false)
            try await withPublisher(world.service) {
                let approved = try await api.call(
                    .post, "/api/v1/periods/2021Q1/figures/1-1.1/approve", token: token,
                    json: #"{"version": \#(figure.version)}"#)
                #expect(approved.status == .ok, "\(approved.text)")
                let published = try await PublicationFixtures.eventually(timeout: .seconds(2)) {
                    try await api.call(.get, "/published/2021Q1").status == .ok
                }
                #expect(published, "not published within 2 seconds")
            }
            let hashes = try #require(try await PublicationFixtures.editions(world.db, q1)[1])

            let latest = try await api.call(.get, "/published/2021Q1")
            #expect(latest.contentType == "text/html; charset=utf-8")
            #expect(latest.headers[.eTag] == "\"\(hashes["html"]!)\"")
            #expect(latest.headers[.cacheControl]?.contains("immutable") == false)

            for format in EditionFormats.all.map(\.rawValue) {
                let reply = try await api.call(.get, "/published/2021Q1/editions/1.\(format)")
                #expect(reply.status == .ok, "\(format)")
                #expect(reply.headers[.eTag] == "\"\(hashes[format]!)\"")
                #expect(reply.headers[.cacheControl] == "public, max-age=31536000, immutable")
                #expect(reply.contentType == EditionFormats.contentType(for: format))
                let again = try await api.call(
                    .get, "/published/2021Q1/editions/1.\(format)", headers: [.ifNoneMatch: "\"\(hashes[format]!)\""])
                #expect(again.status == .notModified)
                #expect(again.text.isEmpty)
            }
            #expect(try await api.call(.get, "/published/2021Q1/editions/1.pdf").status == .notFound)
            #expect(try await api.call(.get, "/published/2021Q1/editions/2.html").status == .notFound)
            #expect(try await api.call(.get, "/published/2021Q2").status == .notFound)
            #expect(try await api.call(.get, "/published/2020Q4").status == .notFound)

            let index = try await api.call(.get, "/published")
            #expect(index.status == .ok)
            #expect(index.text.contains("/published/2021Q1/editions/1.html"))
            let feed = try await api.call(.get, "/published.atom")
            #expect(feed.contentType == "application/atom+xml; charset=utf-8")
            // Links and ids come from the configured public URL, never from the request's Host.
            #expect(feed.text.contains("<id>http://127.0.0.1:8080/published</id>"), "\(feed.text.prefix(400))")
            #expect(feed.text.contains("<entry>"))
            #expect(
                feed.text.range(
                    of: #"<published>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ</published>"#, options: .regularExpression)
                    != nil)

            let editions = try await api.call(.get, "/api/v1/periods/2021Q1/editions", token: token)
            #expect(editions.array.first?["number"] as? Int == 1)
        }
    }

    @Test("Manual publication and excusals through the API; the public URLs can be switched off")
    func manualAndSwitchedOff() async throws {
        try await withAPI(passwords: [Fixtures.approver, Fixtures.clerk("ports")]) { api, world in
            let token = try await api.login(Fixtures.approver)
            let clerkToken = try await api.login(Fixtures.clerk("ports"))
            let before = try await world.snapshot()
            let refused = try await api.call(
                .post, "/api/v1/periods/2021Q1/editions", token: clerkToken, json: #"{"reason": "手動"}"#)
            #expect(refused.status == .forbidden)
            let blank = try await api.call(
                .post, "/api/v1/periods/2021Q1/editions", token: token, json: #"{"reason": ""}"#)
            #expect(blank.status == .unprocessableContent || blank.status == .badRequest, "\(blank.status)")
            #expect(try await world.snapshot() == before)
            let excused = try await api.call(
                .post, "/api/v1/periods/2021Q1/excusals", token: token,
                json: #"{"kind": "figure", "code": "2.1", "reason": "年1回の集計"}"#)
            #expect(excused.status == .created, "\(excused.text)")
            let accepted = try await api.call(
                .post, "/api/v1/periods/2021Q1/editions", token: token, json: #"{"reason": "免除を除き承認済み"}"#)
            #expect(accepted.status == .accepted, "\(accepted.text)")
            let unexcused = try await api.call(.delete, "/api/v1/periods/2021Q1/excusals/figure/2.1", token: token)
            #expect(unexcused.status == .ok)
            _ = try await world.service.publishNext(render: EditionFormats.render)

            let router = try buildRouter(service: world.service, publicReports: false)
            let app = Application(router: router)
            try await app.test(.router) { client in
                let reply = try await client.execute(uri: "/published/2021Q1", method: .get)
                #expect(reply.status == .notFound)
                let index = try await client.execute(uri: "/published", method: .get)
                #expect(index.status == .notFound)
            }
        }
    }
}
