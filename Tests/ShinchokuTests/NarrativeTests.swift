import Foundation
import LibPQ
import TestSupport
import Testing

@testable import Shinchoku

@Suite struct NarrativeTests {
    typealias W = WorkflowFixtures

    @Test func aNarrativeGoesThroughReviewReopenAndCorrection() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            let clerk = W.clerk("ports")
            let p = W.q1
            func reported() async throws -> (ReportData.Narrative?, ReportData.Narrative?) {
                let approvedOnly = try await s.reportData(period: p, project: "1-1", as: clerk)
                let pending = try await s.reportData(period: p, project: "1-1", includePending: true, as: clerk)
                return (approvedOnly.projects[0].narrative, pending.projects[0].narrative)
            }

            var n = try await s.saveNarrative(
                period: p, project: "1-1",
                input: NarrativeInput(progress: "■桟橋新設を実施", outlookHard: "■整備を継続", outlookSoft: "  "), as: clerk)
            #expect(n.state == .draft && n.version == 1 && n.enteredBy == "clerk-ports")
            #expect(n.outlookSoft == nil, "a blank text is no text")
            #expect(try await reported().0 == nil)
            #expect(try await reported().1?.state == .draft)

            n = try await s.submitNarrative(period: p, project: "1-1", version: n.version, as: clerk)
            #expect(try await s.reviewQueue(as: W.approver).map(\.kind) == [.narrative])
            n = try await s.returnNarrative(
                period: p, project: "1-1", version: n.version, reason: "ソフト面も記載してください", as: W.approver)
            #expect(n.state == .returned)
            n = try await s.saveNarrative(
                period: p, project: "1-1",
                input: NarrativeInput(
                    progress: "■桟橋新設を実施", outlookHard: "■整備を継続", outlookSoft: "■共同輸送を促進", version: n.version),
                as: clerk)
            n = try await s.submitNarrative(period: p, project: "1-1", version: n.version, as: clerk)
            n = try await s.approveNarrative(period: p, project: "1-1", version: n.version, as: W.approver)
            #expect(n.state == .approved && n.approvedBy == "approver" && !n.changedSinceApproval)
            let approvedText = NarrativeContent(progress: "■桟橋新設を実施", outlookHard: "■整備を継続", outlookSoft: "■共同輸送を促進")
            #expect(n.approvedContent == approvedText)
            #expect(try await reported().0?.outlookSoft == "■共同輸送を促進")

            n = try await s.reopenNarrative(
                period: p, project: "1-1", version: n.version, reason: "表現を修正", as: W.approver2)
            #expect(n.state == .returned && n.approvedContent == approvedText)
            n = try await s.saveNarrative(
                period: p, project: "1-1",
                input: NarrativeInput(
                    progress: "■桟橋新設、航路浚渫を実施", outlookHard: "■整備を継続", outlookSoft: "■共同輸送を促進",
                    version: n.version),
                as: clerk)
            #expect(n.changedSinceApproval)
            var (approvedOnly, pending) = try await reported()
            #expect(approvedOnly?.progress == "■桟橋新設を実施" && approvedOnly?.state == .approved)
            #expect(pending?.progress == "■桟橋新設、航路浚渫を実施" && pending?.state == .draft)

            n = try await s.submitNarrative(period: p, project: "1-1", version: n.version, as: clerk)
            n = try await s.approveNarrative(
                period: p, project: "1-1", version: n.version, comment: "了", as: W.approver)
            #expect(!n.changedSinceApproval && n.approvedContent?.progress == "■桟橋新設、航路浚渫を実施")
            (approvedOnly, pending) = try await reported()
            #expect(approvedOnly?.progress == "■桟橋新設、航路浚渫を実施" && pending == approvedOnly)

            let h = try await s.narrativeHistory(period: p, project: "1-1", as: W.clerk("water"))
            #expect(
                h.map(\.action) == [
                    .save, .submit, .return, .save, .submit, .approve, .reopen, .save, .submit, .approve,
                ])
            #expect(h.map(\.actor)[2] == "approver" && h.map(\.actor)[6] == "approver2")
            #expect(h.map(\.comment)[2] == "ソフト面も記載してください" && h.map(\.comment)[9] == "了")
            #expect(h[0].narrative?.outlookSoft == nil && h[3].narrative?.outlookSoft == "■共同輸送を促進")
            #expect(h.allSatisfy { $0.figure == nil })
            #expect(try await s.narratives(period: p, as: W.admin).map(\.project) == ["1-1"])
            #expect(try await s.narratives(period: p, department: "water", as: W.admin).isEmpty)
        }
    }

    @Test func textsAreWholeOrSplitAndOfBoundedLength() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            let clerk = W.clerk("water")
            func save(_ input: NarrativeInput) async throws -> NarrativeInfo {
                try await s.saveNarrative(period: W.q1, project: "1-2", input: input, as: clerk)
            }
            try await W.expectRejected(db, .invalid, field: "progress", saying: "not both") {
                try await save(NarrativeInput(progress: "■全体", progressHard: "■ハード"))
            }
            try await W.expectRejected(db, .invalid, field: "outlook", saying: "not both") {
                try await save(NarrativeInput(outlook: "■全体", outlookSoft: "■ソフト"))
            }
            try await W.expectRejected(db, .invalid, field: "progress_soft", saying: "10,000") {
                try await save(NarrativeInput(progressSoft: String(repeating: "あ", count: 10_001)))
            }
            let long = try await save(NarrativeInput(progressSoft: String(repeating: "あ", count: 10_000)))
            #expect(long.progressSoft?.count == 10_000)

            // An empty narrative may be saved as a draft but not submitted.
            let empty = try await s.saveNarrative(
                period: W.q1, project: "1-3", input: NarrativeInput(progress: " "), as: W.clerk("roads"))
            #expect(empty.content.isEmpty)
            try await W.expectRejected(db, .invalid, field: "narrative") {
                try await s.submitNarrative(period: W.q1, project: "1-3", version: empty.version, as: W.clerk("roads"))
            }
        }
    }

    @Test func ownershipPeriodsAndVersionsApplyAsForFigures() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            let input = NarrativeInput(progress: "■実施")
            try await W.expectRejected(db, .forbidden) {
                try await s.saveNarrative(period: W.q1, project: "1-1", input: input, as: W.clerk("water"))
            }
            try await W.expectRejected(db, .forbidden) {
                try await s.saveNarrative(period: W.q1, project: "1-1", input: input, as: W.approver)
            }
            try await W.expectRejected(db, .notFound) {
                try await s.saveNarrative(period: W.q1, project: "10", input: input, as: W.clerk("ports"))
            }
            try await W.expectRejected(db, .periodNotOpen) {
                try await s.saveNarrative(period: W.q2, project: "1-1", input: input, as: W.clerk("ports"))
            }
            try await W.expectRejected(db, .periodNotOpen) {
                try await s.saveNarrative(period: W.q4, project: "1-1", input: input, as: W.clerk("ports"))
            }
            let n = try await s.saveNarrative(period: W.q1, project: "1-1", input: input, as: W.clerk("ports"))
            try await W.expectRejected(db, .conflict, saying: "exists already") {
                try await s.saveNarrative(period: W.q1, project: "1-1", input: input, as: W.clerk("ports"))
            }
            let sent = try await s.submitNarrative(
                period: W.q1, project: "1-1", version: n.version, as: W.clerk("ports"))
            try await W.expectRejected(db, .conflict, saying: "submitted narratives are locked until reviewed") {
                var again = input
                again.version = sent.version
                return try await s.saveNarrative(period: W.q1, project: "1-1", input: again, as: W.clerk("ports"))
            }
            try await W.expectRejected(db, .forbidden) {
                try await s.approveNarrative(period: W.q1, project: "1-1", version: sent.version, as: W.admin)
            }
            try await W.expectRejected(db, .conflict, saying: "changed since you loaded it") {
                try await s.approveNarrative(period: W.q1, project: "1-1", version: n.version, as: W.approver)
            }
            try await W.expectRejected(db, .invalid, field: "reason") {
                try await s.returnNarrative(
                    period: W.q1, project: "1-1", version: sent.version, reason: "", as: W.approver)
            }

            // An approver may not review a narrative it wrote.
            let approverID = try await W.userID(db, "approver")
            try await db.arrange { c in
                try c.execute("SELECT set_config('app.actor_id', \(String(approverID)), true)")
                try c.execute(
                    """
                    INSERT INTO narratives (project_id, period_code, progress, state, entered_by)
                    VALUES ((SELECT id FROM projects WHERE code = '2'), '2021Q1', '■自分で書いた', 'submitted', \(approverID))
                    """)
            }
            try await W.expectRejected(db, .forbidden, saying: "may not review it") {
                try await s.approveNarrative(period: W.q1, project: "2", version: 1, as: W.approver)
            }
            let other = try await s.approveNarrative(period: W.q1, project: "2", version: 1, as: W.approver2)
            #expect(other.state == .approved)

            try await W.setPeriod(db, W.q1, .locked)
            try await W.expectRejected(db, .periodNotOpen) {
                try await s.approveNarrative(period: W.q1, project: "1-1", version: sent.version, as: W.approver)
            }
            try await W.expectRejected(db, .notFound) {
                try await s.narrative(period: W.q1, project: "1-2", as: W.approver)
            }
            #expect(try await s.narrativeHistory(period: W.q1, project: "1-2", as: W.approver).isEmpty)
        }
    }
}
