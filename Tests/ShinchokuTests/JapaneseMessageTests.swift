import Foundation
import LibPQ
import TestSupport
import Testing

@testable import Shinchoku

/// Every field error the web screens can show has a Japanese sentence: a table of bad inputs goes through the
/// service, and each refusal must carry Japanese text for each field it names. A new rule written without its
/// Japanese text fails here.
@Suite struct JapaneseMessageTests {
    typealias W = WorkflowFixtures

    private func save(
        _ db: TestDB, _ indicator: String, _ value: String?, status: FigureStatus = .reported, note: String? = nil,
        asOf: CalendarDate? = nil
    ) async throws {
        _ = try await db.service().saveFigure(
            period: W.q1, indicator: indicator,
            input: FigureInput(value: value.map(W.decimal), status: status, note: note, asOf: asOf),
            as: try W.owner(of: indicator))
    }

    private func narrative(_ db: TestDB, _ input: NarrativeInput) async throws {
        _ = try await db.service().saveNarrative(period: W.q1, project: "1-1", input: input, as: try W.owner(of: "1-1"))
    }

    /// Runs `call`, which must be refused as `invalid`, and checks that each field error has Japanese text.
    private func expectJapanese(
        _ label: String, _ call: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        do {
            try await call()
            Issue.record("\(label): was not refused", sourceLocation: sourceLocation)
        } catch let e as ServiceError {
            #expect(e.code == .invalid, "\(label): \(e)", sourceLocation: sourceLocation)
            #expect(!e.fieldErrors.isEmpty, "\(label): \(e)", sourceLocation: sourceLocation)
            #expect(e.ja?.isEmpty == false, "\(label): the error's own sentence", sourceLocation: sourceLocation)
            for f in e.fieldErrors {
                let ja = f.ja ?? ""
                #expect(
                    !ja.isEmpty, "\(label): \(f.field): \(f.message) has no Japanese text",
                    sourceLocation: sourceLocation)
                #expect(
                    ja.unicodeScalars.contains { (0x3040...0x30FF).contains($0.value) },
                    "\(label): \(ja) is not Japanese", sourceLocation: sourceLocation)
                #expect(ja.hasSuffix("。") || ja.hasSuffix("）"), "\(label): \(ja)", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("\(label): \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("every figure, narrative, account, period and review refusal has Japanese text")
    func everyRefusalHasJapaneseText() async throws {
        try await TestDatabase.withStandard { db in
            let s = db.service()
            let admin = ActorReference.login(Fixtures.admin)
            // Figures: the indicator's rules, the status, the note and the date.
            await expectJapanese("count 3.5") { try await save(db, "1-1.1", "3.5") }
            await expectJapanese("negative count") { try await save(db, "1-1.1", "-1") }
            await expectJapanese("rate over 100") { try await save(db, "2.1", "150") }
            await expectJapanese("decimals 0") { try await save(db, "2.1", "50.5") }
            await expectJapanese("decimals 1") { try await save(db, "1-2.1", "4.25") }
            await expectJapanese("decimals 2") { try await save(db, "2.3", "4.255") }
            await expectJapanese("16 digits") { try await save(db, "1-3.1", "1234567890123456") }
            await expectJapanese("reported without a value") { try await save(db, "1-1.1", nil) }
            await expectJapanese("未公表 with a value, no note") {
                try await save(db, "1-1.1", "3", status: .notPublished)
            }
            await expectJapanese("－ without a note") { try await save(db, "1-1.1", nil, status: .notAvailable) }
            await expectJapanese("as of outside the period") {
                try await save(db, "1-1.1", "3", asOf: CalendarDate(year: 2020, month: 1, day: 1))
            }
            await expectJapanese("control character in a note") { try await save(db, "1-1.1", "3", note: "港湾\u{1}") }
            await expectJapanese("a lone CR in a note") { try await save(db, "1-1.1", "3", note: "港湾\r記録") }
            await expectJapanese("a note too long") {
                try await save(db, "1-1.1", "3", note: String(repeating: "港", count: FigureRules.maxNoteLength + 1))
            }
            try await W.setPeriod(db, W.q4, .open)
            try await W.approved(db, W.q4, "1-2.1", "4.0")
            try await W.approved(db, W.q4, "1-1.1", "2")
            try await W.setPeriod(db, W.q4, .closed)
            await expectJapanese("a cumulative figure falls") { try await save(db, "1-2.1", "3.5") }
            await expectJapanese("more than 3 times") { try await save(db, "1-1.1", "7") }

            // Narratives.
            await expectJapanese("control character in a narrative") {
                try await narrative(db, NarrativeInput(progress: "進捗\u{7F}"))
            }
            await expectJapanese("a narrative too long") {
                try await narrative(db, NarrativeInput(progress: String(repeating: "進", count: 10_001)))
            }
            await expectJapanese("whole and split progress") {
                try await narrative(db, NarrativeInput(progress: "a", progressHard: "b"))
            }
            await expectJapanese("whole and split outlook") {
                try await narrative(db, NarrativeInput(outlook: "a", outlookSoft: "b"))
            }

            let empty = try await db.service().saveNarrative(
                period: W.q1, project: "1-1", input: NarrativeInput(), as: try W.owner(of: "1-1"))
            await expectJapanese("submitting an empty narrative") {
                _ = try await s.submitNarrative(
                    period: W.q1, project: "1-1", version: empty.version, as: try W.owner(of: "1-1"))
            }

            // Review steps: a return and a reopen need a reason.
            let submitted = try await W.submitted(db, W.q1, "1-3.1", "2.0")
            await expectJapanese("a return without a reason") {
                _ = try await s.returnFigure(
                    period: W.q1, indicator: "1-3.1", version: submitted.version, reason: "　", as: W.approver)
            }
            let approved = try await s.approveFigure(
                period: W.q1, indicator: "1-3.1", version: submitted.version, as: W.approver)
            await expectJapanese("a reopen without a reason") {
                _ = try await s.reopenFigure(
                    period: W.q1, indicator: "1-3.1", version: approved.version, reason: "", as: W.approver)
            }

            // Accounts and passwords.
            let accounts: [(String, String, String, Role, String?, String?)] = [
                ("short password", "sato", "佐藤", .clerk, "ports", "short"),
                ("common password", "sato", "佐藤", .clerk, "ports", "password1234"),
                ("password is the login", "satohanako12", "佐藤", .clerk, "ports", "SatoHanako12"),
                ("password over 72 bytes", "sato", "佐藤", .clerk, "ports", String(repeating: "進", count: 25)),
                ("bad login", "Sato!", "佐藤", .clerk, "ports", nil),
                ("reserved login", "local", "佐藤", .clerk, "ports", nil),
                ("empty name", "sato", "  ", .clerk, "ports", nil),
                ("control character in a name", "sato", "佐藤\u{1}", .clerk, "ports", nil),
                ("clerk without department", "sato", "佐藤", .clerk, nil, nil),
                ("unknown department", "sato", "佐藤", .clerk, "nowhere", nil),
                ("clerk in the approving division", "sato", "佐藤", .clerk, "planning", nil),
                ("approver elsewhere", "sato", "佐藤", .approver, "ports", nil),
                ("admin with a department", "sato", "佐藤", .admin, "ports", nil),
            ]
            for (label, login, name, role, department, password) in accounts {
                await expectJapanese(label) {
                    _ = try await s.createUser(
                        login: login, displayName: name, role: role, department: department, password: password,
                        as: admin)
                }
            }

            await expectJapanese("renaming a department to nothing") {
                _ = try await s.renameDepartment(code: "ports", name: "　", as: admin)
            }
            await expectJapanese("a transfer without a reason") {
                _ = try await s.assignProject("1-1", to: "water", reason: " ", as: admin)
            }
            await expectJapanese("a transfer to the approving division") {
                _ = try await s.assignProject("1-1", to: "planning", reason: "再編", as: admin)
            }
            await expectJapanese("a bulk approval of nothing") {
                _ = try await s.bulkApprove(period: W.q1, items: [], as: W.approver)
            }

            // Periods.
            await expectJapanese("due before the period ends") {
                _ = try await s.createPeriod(
                    PeriodCode("2027Q1")!, due: CalendarDate(year: 2027, month: 4, day: 30), as: admin)
            }
            await expectJapanese("reopen a period without a reason") {
                _ = try await s.reopenPeriod(W.q4, reason: " ", as: admin)
            }
            await expectJapanese("extension: unknown department, past date, no reason") {
                _ = try await s.extendPeriod(
                    W.q4, department: "nowhere", until: CalendarDate(year: 2000, month: 1, day: 1)!, reason: "",
                    as: admin)
            }
            await expectJapanese("extension for the approving division") {
                _ = try await s.extendPeriod(
                    W.q4, department: "planning", until: CalendarDate(year: 2999, month: 1, day: 1)!, reason: "延長",
                    as: admin)
            }
        }
    }

    @Test("a closed period, an approved figure and a stale version are refused in Japanese as well")
    func stateRefusalsHaveJapaneseText() async throws {
        try await TestDatabase.withStandard { db in
            let clerk = try W.owner(of: "1-1.1")
            let s = db.service()
            func refusal(_ call: () async throws -> Void) async -> ServiceError? {
                do {
                    try await call()
                    return nil
                } catch { return error as? ServiceError }
            }
            let closed = await refusal {
                _ = try await s.saveFigure(
                    period: W.q4, indicator: "1-1.1", input: FigureInput(value: W.decimal("1")), as: clerk)
            }
            #expect(closed?.code == .periodNotOpen)
            #expect(closed?.message.hasPrefix("Period 2020Q4 is closed") == true, "\(String(describing: closed))")
            #expect(closed?.ja?.hasPrefix("2020年度第4四半期は締め切られています") == true, "\(String(describing: closed?.ja))")
            let approved = try await W.approved(db, W.q1, "1-1.1", "3")
            let again = await refusal {
                _ = try await s.saveFigure(
                    period: W.q1, indicator: "1-1.1",
                    input: FigureInput(value: W.decimal("4"), version: approved.version), as: clerk)
            }
            #expect(again?.code == .conflict)
            #expect(again?.ja == "この実績値は承認済みです。直す必要がある場合は、承認者に修正のための再開を依頼してください。")
            let stale = await refusal {
                _ = try await s.saveFigure(
                    period: W.q1, indicator: "1-3.1", input: FigureInput(value: W.decimal("1")),
                    as: try W.owner(of: "1-3.1"))
                _ = try await s.saveFigure(
                    period: W.q1, indicator: "1-3.1", input: FigureInput(value: W.decimal("2"), version: 99),
                    as: try W.owner(of: "1-3.1"))
            }
            #expect(stale?.code == .conflict)
            #expect(stale?.ja?.contains("再読み込み") == true, "\(String(describing: stale?.ja))")
        }
    }

    @Test(
        "every refusal of a typed figure value has Japanese text",
        arguments: ["abc", ".5", "5.", "1,23", "1e3", "1 234", "+-5", "1234567890123456", "0x10"])
    func valueRefusals(_ text: String) {
        var v = Validation()
        #expect(v.figureValue(text) == nil)
        #expect(v.errors.count == 1)
        let ja = v.errors.first?.ja ?? ""
        #expect(ja.contains("「\(text.prefix(40))」"), "\(ja)")
        #expect(ja.hasSuffix("。"), "\(ja)")
    }

    @Test("the Japanese text is never encoded: the JSON of a field error is still {field, message}")
    func japaneseIsNotEncoded() throws {
        let error = ServiceError.FieldError(field: "value", message: "must be a whole number", ja: "整数で入力してください。")
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(error)) as? [String: String]
        #expect(json == ["field": "value", "message": "must be a whole number"])
        #expect(error == ServiceError.FieldError(field: "value", message: "must be a whole number"))
    }
}
