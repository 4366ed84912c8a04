import Foundation
import LibPQ

/// What a workflow step acts on.
enum WorkflowSubject {
    case figure(id: Int)
    case narrative(id: Int)

    var figureID: Int? {
        if case .figure(let id) = self { return id }
        return nil
    }

    var narrativeID: Int? {
        if case .narrative(let id) = self { return id }
        return nil
    }

    /// Selects the subject's rows in `workflow_events` and `reviews`.
    var condition: SQLQuery {
        switch self {
        case .figure(let id): "figure_id = \(id)"
        case .narrative(let id): "narrative_id = \(id)"
        }
    }

    /// The word users read in messages.
    var noun: String {
        switch self {
        case .figure: "figure"
        case .narrative: "narrative"
        }
    }
}

/// The project a figure or narrative belongs to, and the department that owns it now.
struct ProjectOwner {
    let projectID: Int
    let projectCode: String
    let departmentID: Int
    let departmentCode: String
    /// The project's title and the department's name, where the lookup read them (a workflow step's does).
    var projectTitle: String? = nil
    var departmentName: String? = nil
}

/// A period as the workflow sees it: its state, its dates, and the acting department's extension.
struct PeriodWindow {
    let code: PeriodCode
    let state: PeriodState
    let startsOn: CalendarDate
    let endsOn: CalendarDate
    /// The last day of the department's extension, when the period is closed and one was granted.
    let extendedUntil: CalendarDate?
    /// Today in Japan, where the prefecture works; an extension lasts to the end of its day there.
    let today: CalendarDate

    /// Clerks may enter and submit: the period is open, or closed with a running extension for their department.
    var isOpenForEntry: Bool {
        switch state {
        case .open: true
        case .closed: extendedUntil.map { $0 >= today } ?? false
        case .planned, .locked: false
        }
    }

    /// Approvers may review while the period is open or closed; a planned one has nothing yet and a locked one
    /// is final.
    var isOpenForReview: Bool { state == .open || state == .closed }
}

/// Who may take a step, when: the checks every workflow call makes before it writes anything.
enum WorkflowGate {
    /// The acting user's id. Every account that passed a role check has one; the local operator never does.
    static func actorID(_ tx: Transaction) throws -> Int {
        guard let id = tx.actor.id else {
            throw ServiceError.forbidden("Only signed-in accounts may change figures and narratives.")
        }
        return id
    }

    /// Reads a period. With `lock`, the row is share-locked until the transaction ends, so that an admin who
    /// closes or locks the period at this moment waits for the step to finish rather than race it.
    static func period(_ c: Connection, _ code: PeriodCode, department: Int?, lock: Bool) throws -> PeriodWindow {
        let forShare: SQLQuery = lock ? " FOR SHARE" : ""
        guard
            let row = try c.query(
                """
                SELECT state::text, starts_on, ends_on, (now() AT TIME ZONE 'Asia/Tokyo')::date
                FROM periods WHERE code = \(code.description)
                """ + forShare
            ).first
        else { throw ServiceError.notFound("There is no period \(code).") }
        let (stateText, startsOn, endsOn, today) = try row.decode(
            (String, CalendarDate, CalendarDate, CalendarDate).self)
        guard let state = PeriodState(rawValue: stateText) else {
            throw PostgresError(kind: .decoding, message: "unexpected period state")
        }
        var extendedUntil: CalendarDate?
        if let department, state == .closed {
            extendedUntil = try c.query(
                """
                SELECT until_on FROM period_extensions
                WHERE period_code = \(code.description) AND department_id = \(department)
                """ + forShare
            ).first?.decode(CalendarDate.self)
        }
        return PeriodWindow(
            code: code, state: state, startsOn: startsOn, endsOn: endsOn, extendedUntil: extendedUntil, today: today)
    }

    /// Checks that the acting clerk belongs to the department that owns the project and that the period is
    /// open for that department. The caller has checked the role.
    static func requireEntry(_ tx: Transaction, owner: ProjectOwner, period: PeriodWindow, what: String) throws {
        guard tx.actor.departmentID == owner.departmentID else {
            throw ServiceError.forbidden(
                "Project \(owner.projectCode) belongs to \(owner.departmentCode); \(tx.actor.login) enters \(what) "
                    + "only for projects of \(tx.actor.departmentCode ?? "its own department").")
        }
        guard period.isOpenForEntry else {
            let why: String
            let ja: String
            let name = period.code.jaName
            switch period.state {
            case .planned:
                why = "is planned: nothing can be entered until it opens"
                ja = "\(name)はまだ始まっていません。期間が始まってから入力してください。"
            case .locked:
                why = "is locked: nothing in it changes any more"
                ja = "\(name)は確定済みのため、変更できません。"
            case .closed:
                why =
                    period.extendedUntil.map { "is closed, and \(owner.departmentCode)'s extension ended on \($0)" }
                    ?? "is closed, and \(owner.departmentCode) has no extension"
                ja =
                    period.extendedUntil.map {
                        "\(name)は締め切られ、\(owner.departmentCode)の延長期限（\($0.jaText)）も過ぎています。"
                            + "入力が必要な場合は、管理者に延長を依頼してください。"
                    } ?? "\(name)は締め切られています（\(owner.departmentCode)に延長はありません）。"
                    + "入力が必要な場合は、管理者に延長を依頼してください。"
            case .open:  // unreachable: an open period is open for entry
                why = "is open"
                ja = "\(name)は受付中です。"
            }
            throw ServiceError.periodNotOpen("Period \(period.code) \(why).", ja: ja)
        }
    }

    /// Checks that reviews are possible in the period. The caller has checked the role.
    static func requireReview(_ period: PeriodWindow) throws {
        guard period.isOpenForReview else {
            let planned = period.state == .planned
            let why =
                planned ? "is planned: there is nothing to review yet" : "is locked: nothing in it changes any more"
            let ja =
                planned
                ? "\(period.code.jaName)はまだ始まっていないため、審査する項目はありません。"
                : "\(period.code.jaName)は確定済みのため、変更できません。"
            throw ServiceError.periodNotOpen("Period \(period.code) \(why).", ja: ja)
        }
    }

    /// Separation of duties: nobody reviews what they entered themselves, even after a change of role.
    /// `savedByActor`: whether the history holds a save by the acting user (read by the step's lookup).
    static func requireNotOwnWork(_ tx: Transaction, _ subject: WorkflowSubject, enteredBy: Int, savedByActor: Bool)
        throws
    {
        let actorID = try actorID(tx)
        if enteredBy == actorID || savedByActor {
            throw ServiceError.forbidden(
                "\(tx.actor.login) entered this \(subject.noun) and so may not review it; another approver must.")
        }
    }

    /// Throws `conflict` unless the step may start from `state`.
    static func checkState(_ action: WorkflowAction, from state: WorkflowState, noun: String) throws {
        let message: String
        let ja: String
        let this = "この" + jaNoun(noun)
        switch (action, state) {
        case (.save, .draft), (.save, .returned), (.submit, .draft), (.submit, .returned), (.approve, .submitted),
            (.return, .submitted), (.reopen, .approved):
            return
        case (.save, .submitted):
            message = "This \(noun) is submitted: submitted \(noun)s are locked until reviewed."
            ja = "\(this)は提出済みです。審査が終わるまで変更できません。"
        case (.save, .approved), (.submit, .approved):
            message = "This \(noun) is approved: approved \(noun)s change only through reopen."
            ja = "\(this)は承認済みです。直す必要がある場合は、承認者に修正のための再開を依頼してください。"
        case (.submit, .submitted):
            message = "This \(noun) is already submitted and awaits review."
            ja = "\(this)は既に提出され、審査を待っています。"
        case (.approve, .approved), (.return, .approved):
            message = "This \(noun) is already approved."
            ja = "\(this)は既に承認されています。"
        case (.approve, _), (.return, _):
            let verb = action == .approve ? "approved" : "returned"
            message = "Only submitted \(noun)s can be \(verb); this one is \(state.rawValue)."
            ja = "\(action == .approve ? "承認" : "差戻し")できるのは提出済みのものだけです。\(this)は\(jaState(state))です。"
        case (.reopen, _):
            message = "Only approved \(noun)s can be reopened; this one is \(state.rawValue)."
            ja = "修正のため再開できるのは承認済みのものだけです。\(this)は\(jaState(state))です。"
        }
        throw ServiceError.conflict(message, ja: ja)
    }

    /// Throws `conflict` when the caller's version is not the current one: someone changed the item since.
    static func checkVersion(_ given: Int?, current: Int, noun: String) throws {
        guard let given else {
            throw ServiceError.conflict(
                "This \(noun) exists already (version \(current)); load it and send its version to change it.",
                ja: "この\(jaNoun(noun))は既に入力されています。画面を再読み込みして最新の内容を確かめてから、変更してください。")
        }
        guard given == current else {
            throw ServiceError.conflict(
                "The \(noun) has changed since you loaded it (version \(current) now, you had \(given)). "
                    + "Reload and try again.",
                ja: "画面を開いた後に、この\(jaNoun(noun))が変更されました。"
                    + "画面を再読み込みして最新の内容を確かめてから、もう一度操作してください。")
        }
    }

    /// What the Japanese texts call a figure and a narrative.
    static func jaNoun(_ noun: String) -> String {
        switch noun {
        case "figure": "実績値"
        case "narrative": "進捗状況・今後の動向等"
        default: noun
        }
    }

    /// A workflow state as the screens name it.
    static func jaState(_ state: WorkflowState) -> String {
        switch state {
        case .draft: "下書き"
        case .submitted: "提出済み"
        case .returned: "差戻し中"
        case .approved: "承認済み"
        }
    }

    /// A reason is required to return or reopen, so the clerk knows what to fix.
    static func requireReason(_ reason: String, for action: WorkflowAction) throws -> String {
        guard let reason = EnteredText.nonBlank(reason) else {
            let what = action == .reopen ? "承認済みの項目を修正のため再開する理由" : "差し戻す理由"
            throw ServiceError.invalid(
                "reason", "a \(action.rawValue) needs a reason the clerk can act on",
                ja: "\(what)を入力してください。入力担当が何を直せばよいか分かるように書いてください。")
        }
        return try TypedText.checked(reason, field: "reason")!
    }

}
