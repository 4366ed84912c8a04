import Foundation
import LibPQ
import TestSupport
import Testing

@testable import Shinchoku

@Suite struct FigureWorkflowTests {
    typealias W = WorkflowFixtures

    @Test func aFigureGoesThroughReturnApprovalReopenAndCorrection() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            let clerk = W.clerk("ports")
            let p = W.q1
            func history() async throws -> [WorkflowEventInfo] {
                try await s.figureHistory(period: p, indicator: "1-1.1", as: clerk)
            }
            func reported() async throws -> (ReportData.Figure?, ReportData.Figure?) {
                let approvedOnly = try await s.reportData(period: p, project: "1-1", as: clerk)
                let pending = try await s.reportData(period: p, project: "1-1", includePending: true, as: clerk)
                return (
                    approvedOnly.projects[0].indicators[0].figures.last, pending.projects[0].indicators[0].figures.last
                )
            }

            var f = try await s.saveFigure(
                period: p, indicator: "1-1.1", input: FigureInput(value: W.decimal("1")), as: clerk)
            #expect(f.state == .draft && f.version == 1 && f.value == W.decimal("1") && f.enteredBy == "clerk-ports")
            #expect(f.asOf == CalendarDate("2021-06-30"), "as_of defaults to the period's last day")
            #expect(try await reported().0 == nil, "a draft is not in an approved-only report")

            f = try await s.submitFigure(period: p, indicator: "1-1.1", version: f.version, as: clerk)
            #expect(f.state == .submitted && f.version == 2)

            f = try await s.returnFigure(
                period: p, indicator: "1-1.1", version: f.version, reason: "7月末時点の回数を確認してください",
                as: W.approver)
            #expect(f.state == .returned && f.version == 3)

            f = try await s.saveFigure(
                period: p, indicator: "1-1.1",
                input: FigureInput(value: W.decimal("2"), asOf: CalendarDate("2021-07-31"), version: f.version),
                as: clerk)
            #expect(f.state == .draft && f.version == 4 && !f.changedSinceApproval)

            f = try await s.submitFigure(period: p, indicator: "1-1.1", version: f.version, as: clerk)
            f = try await s.approveFigure(
                period: p, indicator: "1-1.1", version: f.version, comment: "確認済み", as: W.approver)
            #expect(f.state == .approved && f.version == 6)
            #expect(f.approvedValue == W.decimal("2") && f.approvedStatus == .reported && f.approvedBy == "approver")
            #expect(f.approvedAsOf == CalendarDate("2021-07-31") && f.approvedAt != nil)
            #expect(try await reported().0?.value == W.decimal("2"))

            f = try await s.reopenFigure(
                period: p, indicator: "1-1.1", version: f.version, reason: "集計漏れが判明", as: W.approver2)
            #expect(f.state == .returned && f.version == 7 && !f.changedSinceApproval)
            #expect(f.approvedValue == W.decimal("2"), "a reopen keeps the approved figure")

            f = try await s.saveFigure(
                period: p, indicator: "1-1.1",
                input: FigureInput(value: W.decimal("3"), asOf: CalendarDate("2021-07-31"), version: f.version),
                as: clerk)
            #expect(f.state == .draft && f.version == 8 && f.changedSinceApproval)
            var (approvedOnly, pending) = try await reported()
            #expect(approvedOnly?.value == W.decimal("2") && approvedOnly?.state == .approved)
            #expect(pending?.value == W.decimal("3") && pending?.state == .draft)
            let queue = try await s.reviewQueue(as: W.approver)
            #expect(queue.isEmpty, "a draft is not waiting for review")

            f = try await s.submitFigure(period: p, indicator: "1-1.1", version: f.version, as: clerk)
            let waiting = try await s.reviewQueue(as: W.approver)
            #expect(waiting.map(\.indicator) == ["1-1.1"] && waiting[0].changedSinceApproval)
            #expect(waiting[0].submittedBy == "clerk-ports" && waiting[0].figure?.value == W.decimal("3"))
            f = try await s.approveFigure(period: p, indicator: "1-1.1", version: f.version, as: W.approver)
            #expect(f.state == .approved && f.version == 10 && !f.changedSinceApproval)
            #expect(f.approvedValue == W.decimal("3") && f.approvedBy == "approver")
            (approvedOnly, pending) = try await reported()
            #expect(approvedOnly?.value == W.decimal("3") && approvedOnly?.state == .approved)
            #expect(pending == approvedOnly)

            let h = try await history()
            #expect(
                h.map(\.action) == [
                    .save, .submit, .return, .save, .submit, .approve, .reopen, .save, .submit, .approve,
                ])
            #expect(
                h.map(\.fromState) == [
                    nil, .draft, .submitted, .returned, .draft, .submitted, .approved, .returned, .draft, .submitted,
                ])
            #expect(
                h.map(\.toState) == [
                    .draft, .submitted, .returned, .draft, .submitted, .approved, .returned, .draft, .submitted,
                    .approved,
                ])
            #expect(h.map(\.version) == Array(1...10))
            #expect(h.map { $0.figure?.value?.text } == ["1", "1", "1", "2", "2", "2", "2", "3", "3", "3"])
            #expect(h.allSatisfy { $0.narrative == nil })
            #expect(
                h.map(\.actor) == [
                    "clerk-ports", "clerk-ports", "approver", "clerk-ports", "clerk-ports", "approver", "approver2",
                    "clerk-ports", "clerk-ports", "approver",
                ])
            #expect(
                h.map(\.comment) == [nil, nil, "7月末時点の回数を確認してください", nil, nil, "確認済み", "集計漏れが判明", nil, nil, nil])
            #expect(h[0].figure?.asOf == CalendarDate("2021-06-30") && h[3].figure?.asOf == CalendarDate("2021-07-31"))
            #expect(zip(h, h.dropFirst()).allSatisfy { $0.at <= $1.at })

            // Each review is tied to the version and content it looked at.
            let reviews = try await db.pool.withConnection { c in
                try c.query(
                    """
                    SELECT decision::text, reviewed_version, reviewed_content->>'value', reason
                    FROM reviews ORDER BY id
                    """
                ).decode((String, Int, String, String?).self)
            }
            #expect(reviews.map(\.0) == ["returned", "approved", "reopened", "approved"])
            #expect(reviews.map(\.1) == [2, 5, 6, 9])
            #expect(reviews.map(\.2) == ["1", "2", "2", "3"])
            #expect(reviews.map(\.3) == ["7月末時点の回数を確認してください", "確認済み", "集計漏れが判明", nil])
        }
    }

    @Test func everyMutatingCallWritesExactlyOneAuditEventByItsActor() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            let clerkID = try await W.userID(db, "clerk-ports")
            let approverID = try await W.userID(db, "approver")
            let p = W.q1
            func expectOneEvent<T>(
                _ action: String, by actorID: Int, id entityID: String, _ call: () async throws -> T
            ) async throws -> T {
                let mark = try await W.lastAuditID(db)
                let result = try await call()
                let rows = try await W.audit(db, after: mark)
                let entity = String(action.split(separator: ".")[0])
                #expect(rows == [.init(actorID: actorID, action: action, entity: entity, entityID: entityID)])
                return result
            }
            let fid = "2021Q1/1-1.1"
            var f = try await expectOneEvent("figure.save", by: clerkID, id: fid) {
                try await s.saveFigure(
                    period: p, indicator: "1-1.1", input: FigureInput(value: W.decimal("1")), as: W.clerk("ports"))
            }
            f = try await expectOneEvent("figure.save", by: clerkID, id: fid) {
                try await s.saveFigure(
                    period: p, indicator: "1-1.1", input: FigureInput(value: W.decimal("1"), version: f.version),
                    as: W.clerk("ports"))
            }
            f = try await expectOneEvent("figure.submit", by: clerkID, id: fid) {
                try await s.submitFigure(period: p, indicator: "1-1.1", version: f.version, as: W.clerk("ports"))
            }
            f = try await expectOneEvent("figure.return", by: approverID, id: fid) {
                try await s.returnFigure(
                    period: p, indicator: "1-1.1", version: f.version, reason: "要確認", as: W.approver)
            }
            f = try await s.submitFigure(period: p, indicator: "1-1.1", version: f.version, as: W.clerk("ports"))
            f = try await expectOneEvent("figure.approve", by: approverID, id: fid) {
                try await s.approveFigure(period: p, indicator: "1-1.1", version: f.version, as: W.approver)
            }
            f = try await expectOneEvent("figure.reopen", by: approverID, id: fid) {
                try await s.reopenFigure(
                    period: p, indicator: "1-1.1", version: f.version, reason: "訂正", as: W.approver)
            }

            let nid = "2021Q1/1-1"
            var n = try await expectOneEvent("narrative.save", by: clerkID, id: nid) {
                try await s.saveNarrative(
                    period: p, project: "1-1", input: NarrativeInput(progress: "■整備を実施"), as: W.clerk("ports"))
            }
            n = try await expectOneEvent("narrative.submit", by: clerkID, id: nid) {
                try await s.submitNarrative(period: p, project: "1-1", version: n.version, as: W.clerk("ports"))
            }
            n = try await expectOneEvent("narrative.return", by: approverID, id: nid) {
                try await s.returnNarrative(
                    period: p, project: "1-1", version: n.version, reason: "要加筆", as: W.approver)
            }
            n = try await s.submitNarrative(period: p, project: "1-1", version: n.version, as: W.clerk("ports"))
            n = try await expectOneEvent("narrative.approve", by: approverID, id: nid) {
                try await s.approveNarrative(period: p, project: "1-1", version: n.version, as: W.approver)
            }
            _ = try await expectOneEvent("narrative.reopen", by: approverID, id: nid) {
                try await s.reopenNarrative(period: p, project: "1-1", version: n.version, reason: "訂正", as: W.approver)
            }

            // The audit event carries the content before and after.
            let last = try await db.pool.withConnection { c in
                try c.query(
                    """
                    SELECT before->>'state', after->>'state', before->>'value', after->>'as_of', reason
                    FROM audit_events WHERE action = 'figure.reopen'
                    """
                )[0].decode((String, String, String, String, String?).self)
            }
            #expect(last.0 == "approved" && last.1 == "returned" && last.2 == "1" && last.3 == "2021-06-30")
            #expect(last.4 == "訂正")
        }
    }

    @Test func bulkApprovalIsAllOrNothingAndNamesEveryFailure() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            let indicators = Array(try PlanFile.bundled().projects.flatMap(\.indicators).map(\.code).prefix(10))
            var items: [(indicator: String, version: Int)] = []
            for code in indicators {
                let f = try await W.submitted(db, W.q1, code, "1")
                items.append((code, f.version))
            }
            var stale = items
            stale[4].version -= 1
            try await W.expectRejected(db, .conflict, field: indicators[4], saying: "changed since you loaded it") {
                try await s.bulkApprove(period: W.q1, items: stale, comment: "一括承認", as: W.approver)
            }
            do {
                _ = try await s.bulkApprove(period: W.q1, items: stale, as: W.approver)
            } catch let e as ServiceError {
                #expect(e.fieldErrors.map(\.field) == [indicators[4]], "only the stale item is named")
            }

            // Two bad items, listed in the caller's order: an unknown indicator and a duplicate.
            let bad = [(indicator: "99.9", version: 1)] + items + [items[0]]
            do {
                _ = try await s.bulkApprove(period: W.q1, items: bad, as: W.approver)
                Issue.record("a bad list was approved")
            } catch let e as ServiceError {
                #expect(e.code == .notFound, "the first failure's code")
                #expect(e.fieldErrors.map(\.field) == ["99.9", indicators[0]])
            }

            let mark = try await W.lastAuditID(db)
            let approved = try await s.bulkApprove(period: W.q1, items: items, comment: "一括承認", as: W.approver)
            #expect(approved.map(\.indicator) == indicators)
            #expect(approved.allSatisfy { $0.state == .approved && $0.approvedValue == W.decimal("1") })
            let events = try await W.audit(db, after: mark)
            #expect(events.count == 10 && events.allSatisfy { $0.action == "figure.approve" })
            #expect(Set(events.map(\.entityID)) == Set(indicators.map { "2021Q1/\($0)" }))
            let reviews = try await W.scalar(db, Int.self, "SELECT count(*) FROM reviews WHERE reason = '一括承認'")
            #expect(reviews == 10)
        }
    }

    @Test func onlyTheOwningDepartmentsClerkEntersAndOnlyAnotherApproverReviews() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            let input = FigureInput(value: W.decimal("1"))
            try await W.expectRejected(db, .forbidden, saying: "belongs to ports") {
                try await s.saveFigure(period: W.q1, indicator: "1-1.1", input: input, as: W.clerk("water"))
            }
            try await W.expectRejected(db, .forbidden) {
                try await s.saveFigure(period: W.q1, indicator: "1-1.1", input: input, as: W.approver)
            }
            try await W.expectRejected(db, .forbidden) {
                try await s.saveFigure(period: W.q1, indicator: "1-1.1", input: input, as: W.admin)
            }
            try await W.expectRejected(db, .forbidden) {
                try await s.saveFigure(period: W.q1, indicator: "1-1.1", input: input, as: .local)
            }
            try await W.expectRejected(db, .notFound) {
                try await s.saveFigure(period: W.q1, indicator: "1-1.9", input: input, as: W.clerk("ports"))
            }
            try await W.expectRejected(db, .notFound) {
                try await s.saveFigure(
                    period: PeriodCode("2021Q3")!, indicator: "1-1.1", input: input, as: W.clerk("ports"))
            }

            let f = try await W.submitted(db, W.q1, "1-1.1", "1")
            try await W.expectRejected(db, .forbidden) {
                try await s.submitFigure(period: W.q1, indicator: "1-1.1", version: f.version, as: W.clerk("water"))
            }
            try await W.expectRejected(db, .forbidden) {
                try await s.approveFigure(period: W.q1, indicator: "1-1.1", version: f.version, as: W.admin)
            }
            try await W.expectRejected(db, .forbidden) {
                try await s.approveFigure(period: W.q1, indicator: "1-1.1", version: f.version, as: W.clerk("ports"))
            }
            try await W.expectRejected(db, .forbidden) {
                try await s.returnFigure(
                    period: W.q1, indicator: "1-1.1", version: f.version, reason: "x", as: W.clerk("water"))
            }
            try await W.expectRejected(db, .forbidden) {
                try await s.bulkApprove(period: W.q1, items: [("1-1.1", f.version)], as: W.admin)
            }
            try await W.expectRejected(db, .invalid, field: "reason") {
                try await s.returnFigure(
                    period: W.q1, indicator: "1-1.1", version: f.version, reason: "  ", as: W.approver)
            }
            try await W.expectRejected(db, .forbidden) {
                try await s.reviewQueue(as: W.clerk("ports"))
            }

            // An approver who entered a figure (say, while it was a clerk) may not review it.
            let approverID = try await W.userID(db, "approver")
            try await db.arrange { c in
                try c.execute("SELECT set_config('app.actor_id', \(String(approverID)), true)")
                try c.execute(
                    """
                    INSERT INTO figures (indicator_id, period_code, status, value, as_of, state, entered_by)
                    VALUES ((SELECT id FROM indicators WHERE code = '1-2.1'), '2021Q1', 'reported', 4.0,
                            '2021-07-31', 'submitted', \(approverID))
                    """)
            }
            try await W.expectRejected(db, .forbidden, saying: "may not review it") {
                try await s.approveFigure(period: W.q1, indicator: "1-2.1", version: 1, as: W.approver)
            }
            // …nor one whose history shows a save by it, even when someone else saved last.
            let g = try await W.submitted(db, W.q1, "1-3.1", "0.5")
            try await db.arrange { c in
                try c.execute("SELECT set_config('app.actor_id', \(String(approverID)), true)")
                try c.execute(
                    """
                    INSERT INTO workflow_events (figure_id, action, from_state, to_state, version, content, actor_id)
                    SELECT f.id, 'save', NULL, 'draft', 1, '{}', \(approverID) FROM figures f
                    JOIN indicators i ON i.id = f.indicator_id WHERE i.code = '1-3.1'
                    """)
            }
            try await W.expectRejected(db, .forbidden, saying: "may not review it") {
                try await s.returnFigure(
                    period: W.q1, indicator: "1-3.1", version: g.version, reason: "要確認", as: W.approver)
            }
            try await W.expectRejected(db, .forbidden, field: "1-2.1") {
                try await s.bulkApprove(period: W.q1, items: [("1-1.1", f.version), ("1-2.1", 1)], as: W.approver)
            }
            // Another approver may.
            let done = try await s.approveFigure(period: W.q1, indicator: "1-2.1", version: 1, as: W.approver2)
            #expect(done.state == .approved && done.approvedBy == "approver2")
        }
    }

    @Test func periodStatesDecideWhoMayWrite() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            let input = FigureInput(value: W.decimal("1"))
            try await W.expectRejected(db, .periodNotOpen, saying: "planned") {
                try await s.saveFigure(period: W.q2, indicator: "1-1.1", input: input, as: W.clerk("ports"))
            }
            try await W.expectRejected(db, .periodNotOpen, saying: "planned") {
                try await s.approveFigure(period: W.q2, indicator: "1-1.1", version: 1, as: W.approver)
            }
            try await W.expectRejected(db, .periodNotOpen, saying: "closed") {
                try await s.saveFigure(
                    period: W.q4, indicator: "1-1.1", input: FigureInput(value: W.decimal("1"), asOf: W.q4.endDate),
                    as: W.clerk("ports"))
            }

            // A closed period with an extension: the extended department only, up to and including its last day.
            let today = try await W.japanToday(db)
            try await W.extend(db, W.q4, department: "ports", until: today)
            try await W.extend(db, W.q4, department: "water", until: today.adding(days: -1))
            let q4Input = FigureInput(value: W.decimal("1"), asOf: W.q4.endDate)
            let extended = try await s.saveFigure(
                period: W.q4, indicator: "1-1.1", input: q4Input, as: W.clerk("ports"))
            #expect(extended.state == .draft)
            let sent = try await s.submitFigure(
                period: W.q4, indicator: "1-1.1", version: extended.version, as: W.clerk("ports"))
            try await W.expectRejected(db, .periodNotOpen, saying: "extension ended on \(today.adding(days: -1))") {
                try await s.saveFigure(period: W.q4, indicator: "1-2.1", input: q4Input, as: W.clerk("water"))
            }
            try await W.expectRejected(db, .periodNotOpen, saying: "no extension") {
                try await s.saveFigure(period: W.q4, indicator: "1-3.1", input: q4Input, as: W.clerk("roads"))
            }
            // Approvers review in a closed period…
            let approved = try await s.approveFigure(
                period: W.q4, indicator: "1-1.1", version: sent.version, as: W.approver)
            #expect(approved.state == .approved)

            // …but in a locked period nothing changes, for anyone.
            let f = try await W.submitted(db, W.q1, "1-1.1", "1")
            try await W.setPeriod(db, W.q1, .locked)
            try await W.expectRejected(db, .periodNotOpen, saying: "locked") {
                try await s.approveFigure(period: W.q1, indicator: "1-1.1", version: f.version, as: W.approver)
            }
            try await W.setPeriod(db, W.q4, .locked)
            try await W.expectRejected(db, .periodNotOpen, saying: "locked") {
                try await s.reopenFigure(
                    period: W.q4, indicator: "1-1.1", version: approved.version, reason: "x", as: W.approver)
            }
            try await W.expectRejected(db, .periodNotOpen, saying: "locked") {
                try await s.saveFigure(period: W.q1, indicator: "1-2.1", input: input, as: W.clerk("water"))
            }
            try await W.expectRejected(db, .periodNotOpen) {
                try await s.bulkApprove(period: W.q1, items: [("1-1.1", f.version)], as: W.approver)
            }
        }
    }

    @Test func readsAreOpenToEveryoneAndFilter() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            try await W.submitted(db, W.q1, "1-1.1", "1")
            try await W.approved(db, W.q1, "1-2.1", "4.0")
            try await s.saveFigure(
                period: W.q1, indicator: "2.3", input: FigureInput(value: W.decimal("17.4")), as: W.clerk("dx"))

            let all = try await s.figures(period: W.q1, as: W.clerk("water"))
            #expect(all.map(\.indicator) == ["1-1.1", "1-2.1", "2.3"], "plan order, every department")
            #expect(try await s.figures(period: W.q1, department: "dx", as: W.admin).map(\.indicator) == ["2.3"])
            #expect(try await s.figures(period: W.q1, project: "1-2", as: .local).map(\.indicator) == ["1-2.1"])
            #expect(try await s.figures(period: W.q1, state: .submitted, as: W.approver).map(\.indicator) == ["1-1.1"])
            #expect(try await s.figures(period: W.q4, as: W.approver).isEmpty)
            await #expect(throws: ServiceError.self) {
                try await s.figures(period: W.q1, project: "99", as: W.approver)
            }
            await #expect(throws: ServiceError.self) {
                try await s.figures(period: PeriodCode("2030Q1")!, as: W.approver)
            }

            let one = try await s.figure(period: W.q1, indicator: "1-2.1", as: W.clerk("dx"))
            #expect(one.indicatorName == "工業用水道管路の更新整備延長（累計）" && one.project == "1-2" && one.department == "water")
            #expect(one.value?.text == "4.0", "the scale is kept")
            try await W.expectRejected(db, .notFound) {
                try await s.figure(period: W.q1, indicator: "3.1", as: W.approver)
            }
            #expect(try await s.figureHistory(period: W.q1, indicator: "3.1", as: W.approver).isEmpty)
            try await W.expectRejected(db, .unauthenticated) {
                try await s.figures(period: W.q1, as: .login("nobody"))
            }

            // The API's JSON: snake_case, decimals as strings.
            let json = String(decoding: try JSONEncoder.shinchoku.encode(one), as: UTF8.self)
            #expect(json.contains(#""value" : "4.0""#) && json.contains(#""approved_value" : "4.0""#))
            #expect(json.contains(#""as_of" : "2021-06-30""#) && json.contains(#""changed_since_approval" : false"#))
            #expect(json.contains(#""indicator_name" : "#) && json.contains(#""entered_by" : "clerk-water""#))
        }
    }
}
