import Foundation
import LibPQ

/// One row of a figure import: the indicator, what to save for it, and the row's line in the file.
public struct FigureImportRow: Sendable, Equatable {
    /// The line the row starts on in its file, for error messages.
    public var line: Int
    public var indicator: String
    /// A row equal to the figure changes nothing. Otherwise, with a version the figure must be at that version,
    /// as for ``ShinchokuService/saveFigure(period:indicator:input:as:)``; without one the figure must not exist
    /// yet.
    public var input: FigureInput

    public init(line: Int, indicator: String, input: FigureInput) {
        self.line = line
        self.indicator = indicator
        self.input = input
    }
}

/// What a figure import did (or, for a dry run, would do).
public struct FigureImportSummary: Sendable, Equatable, Codable {
    public var period: PeriodCode
    /// True when nothing was kept: the rows were only checked.
    public var dryRun: Bool
    /// Figures created or changed, now drafts.
    public var saved: Int
    /// Rows that matched the figure as it was, so nothing was saved for them.
    public var unchanged: Int
    /// The figures of the imported rows, in the file's order.
    public var figures: [FigureInfo]
}

extension ShinchokuService {
    /// Saves many figures of one period, all or nothing, each through the same rules as ``saveFigure``: a clerk of
    /// the department that owns each indicator's project enters it, and the period must be open for that department.
    ///
    /// Who enters the rows: with no `clerks`, the acting account, a clerk, enters the rows of its own department
    /// (another department's row is `forbidden`). With `clerks` (department code → clerk login), the acting account
    /// must be an admin, and each department's rows are written as that department's clerk, whom the database then
    /// holds to that department (row-level security, docs/security.md); every named account must be an enabled
    /// clerk of the department it is named for (`forbidden` otherwise, `unauthenticated` for no such login), and a
    /// row of a department with no clerk named is `forbidden`. Their audit events are the clerks' own, with the
    /// reason `figures import by <admin>`. It is still one transaction.
    ///
    /// Every row is checked first, in Swift, against the plan, the period and the figures as they stand (read and
    /// locked in a few set-based queries); when any fails, nothing is saved and the error lists every failing row,
    /// its fields named `line N, field` (or `line N` for a row-wide reason). The error's code is the most serious
    /// kind among the failures, whatever the order of the rows: `forbidden` (another department's indicator) before
    /// `period_not_open` and `conflict` before `invalid` (an unknown indicator code included). Then the figures,
    /// their workflow steps (`save`) and their audit events (`figure.save`, one per figure) are written in a few
    /// multi-row statements per department.
    ///
    /// A row whose content equals the figure's current content saves nothing, whatever its version, so importing
    /// the same file twice changes nothing (its `as_of` is compared only when the row gives one); such a row is
    /// skipped also for a department nobody enters for here, so that an export of every department imports back.
    /// Any other row for an existing figure needs the figure's current version: without one it is a `conflict`,
    /// never an overwrite. With `dryRun`, everything is checked and written, then rolled back.
    public func importFigures(
        period: PeriodCode, rows: [FigureImportRow], dryRun: Bool = false, as actor: ActorReference,
        clerks: [String: String] = [:]
    ) async throws -> FigureImportSummary {
        do {
            return try await perform(as: actor) { tx in
                let enterers = try FigureImport.Enterers(tx, clerks: clerks)
                // A missing period fails the import as a whole, not each of its rows.
                _ = try WorkflowGate.period(tx.connection, period, department: nil, lock: false)
                guard !rows.isEmpty else { throw ServiceError.invalid("rows", "there are no figures to import") }
                let summary = try FigureImport.run(tx, period: period, rows: rows, enterers: enterers)
                if dryRun {
                    var checked = summary
                    checked.dryRun = true
                    throw FigureImport.DryRunDone(summary: checked)
                }
                return summary
            }
        } catch let done as FigureImport.DryRunDone {
            return done.summary
        }
    }
}

/// The import of many figures in one transaction: every row checked in Swift, then written in bulk.
enum FigureImport {
    /// Rolls a dry run's transaction back while carrying its result out.
    struct DryRunDone: Error {
        let summary: FigureImportSummary
    }

    /// Who enters which department's rows.
    struct Enterers {
        /// The acting clerk, when a clerk imports their own department's figures.
        let actingClerk: ActingUser?
        /// The clerks an admin named, by department id.
        let byDepartment: [Int: ActingUser]
        /// The admin who named them.
        let admin: ActingUser?

        init(_ tx: Transaction, clerks: [String: String]) throws {
            guard !clerks.isEmpty else {
                try tx.require(.clerk, to: "enter figures")
                actingClerk = tx.actor
                byDepartment = [:]
                admin = nil
                return
            }
            try tx.require(.admin, to: "import figures as the clerks of several departments")
            var named: [Int: ActingUser] = [:]
            for (department, login) in clerks.sorted(by: { $0.key < $1.key }) {
                let (clerk, _) = try ShinchokuService.resolve(.login(login), on: tx.connection)
                guard clerk.role == .clerk, let id = clerk.departmentID, clerk.departmentCode == department else {
                    let what =
                        clerk.role == .clerk
                        ? "a clerk of \(clerk.departmentCode ?? "no department")"
                        : clerk.role.map { "an \($0.rawValue)" } ?? "no account with a role"
                    throw ServiceError.forbidden(
                        "\(login) may not enter figures for \(department): \(login) is \(what), and only a clerk of "
                            + "\(department) may.")
                }
                named[id] = clerk
            }
            // Resolving an account makes it the acting user (`app.actor_id`): the admin acts again until a
            // department's rows are written as its clerk.
            try FigureImportStore.act(tx.connection, as: tx.actor)
            actingClerk = nil
            byDepartment = named
            admin = tx.actor
        }

        /// Who would enter a row of this department: the acting clerk (whatever the department: the checks refuse
        /// another's), or the clerk named for it; nil when none was named.
        func clerk(for department: Int) -> ActingUser? { actingClerk ?? byDepartment[department] }

        /// Every account that enters rows, in a fixed order.
        var all: [ActingUser] {
            actingClerk.map { [$0] } ?? byDepartment.keys.sorted().compactMap { byDepartment[$0] }
        }
    }

    /// A row that passed every check and changes its figure.
    struct Save {
        let line: Int
        let indicator: IndicatorRef
        let clerk: ActingUser
        let current: FigureRow?
        let content: FigureContent
        /// Whether reports would change if this were approved.
        let changedSinceApproval: Bool
    }

    static func run(_ tx: Transaction, period: PeriodCode, rows: [FigureImportRow], enterers: Enterers) throws
        -> FigureImportSummary
    {
        let c = tx.connection
        let indicators = try FigureImportStore.indicators(c, codes: Set(rows.map(\.indicator)))
        let known = rows.compactMap { indicators[$0.indicator] }
        // Each clerk's own figures are read locked, as that clerk (row-level security lets a clerk lock only their
        // department's figures); the rest are read as they stand, for the rows that would change nothing.
        var figures: [Int: FigureRow] = [:]
        var locked = Set<Int>()
        for clerk in enterers.all {
            guard let department = clerk.departmentID else { continue }
            let ids = known.filter { $0.owner.departmentID == department }.map(\.id)
            guard !ids.isEmpty else { continue }
            if enterers.actingClerk == nil { try FigureImportStore.act(c, as: clerk) }
            figures.merge(try FigureImportStore.figures(c, period: period, indicatorIDs: ids, lock: true)) { $1 }
            locked.formUnion(ids)
        }
        let unlocked = Set(known.map(\.id)).subtracting(locked)
        if !unlocked.isEmpty {
            figures.merge(try FigureImportStore.figures(c, period: period, indicatorIDs: unlocked, lock: false)) {
                $1
            }
        }
        let previous = try FigureImportStore.previousApproved(c, indicatorIDs: Set(known.map(\.id)), before: period)
        var windows: [Int: PeriodWindow] = [:]
        func window(_ department: Int) throws -> PeriodWindow {
            if let w = windows[department] { return w }
            let w = try WorkflowGate.period(c, period, department: department, lock: true)
            windows[department] = w
            return w
        }

        var failures: [(line: Int, error: ServiceError)] = []
        var saves: [Save] = []
        var firstLine: [String: Int] = [:]
        for row in rows {
            if let earlier = firstLine[row.indicator] {
                failures.append(
                    (row.line, .invalid("indicator", "\(row.indicator) is on line \(earlier) already")))
                continue
            }
            firstLine[row.indicator] = row.line
            do {
                // In a file, a code that names no indicator is a mistake in the row's data.
                guard let indicator = indicators[row.indicator] else {
                    throw ServiceError.invalid("indicator", "there is no indicator \(row.indicator) in the plan")
                }
                let owner = indicator.owner
                let current = figures[indicator.id]
                let clerk = enterers.clerk(for: owner.departmentID)
                // An export of every department imports back: a row of a department nobody here enters for that
                // changes nothing is skipped, where saving it would be refused.
                if let current, clerk?.departmentID != owner.departmentID, isUnchanged(current, row) { continue }
                guard let clerk else {
                    throw ServiceError.forbidden(
                        "Project \(owner.projectCode) belongs to \(owner.departmentCode), and no clerk of "
                            + "\(owner.departmentCode) was named to enter its figures.")
                }
                if let save = try check(
                    row, indicator, current: current, period: period, window: try window(owner.departmentID),
                    previous: previous[indicator.id], as: Transaction(connection: c, actor: clerk))
                {
                    saves.append(save)
                }
            } catch let error as ServiceError {
                failures.append((row.line, error))
            }
        }
        if !failures.isEmpty {
            // One precedence, whatever the order of the rows (docs/admin.md, "Exit status").
            let code = failures.map(\.error.code).min { precedence($0) < precedence($1) } ?? .invalid
            let bad = Set(failures.map(\.line)).count
            throw ServiceError(
                code, "Nothing was imported: \(bad) of \(rows.count) rows \(bad == 1 ? "has" : "have") errors.",
                fieldErrors: failures.flatMap { f in
                    f.error.fieldErrors.isEmpty
                        ? [.init(field: "line \(f.line)", message: f.error.message)]
                        : f.error.fieldErrors.map { .init(field: "line \(f.line), \($0.field)", message: $0.message) }
                })
        }

        try FigureImportStore.write(
            c, saves, period: period, reason: enterers.admin.map { "figures import by \($0.login)" })
        // What every row's figure is now, in the file's order.
        let now = Dictionary(
            try FigureStore.infos(c, period: period, project: nil, department: nil, state: nil).map {
                ($0.indicator, $0)
            }, uniquingKeysWith: { first, _ in first })
        let listed = try rows.map { row in
            guard let info = now[row.indicator] else { throw FigureSubject.concurrentChange }
            return info
        }
        return FigureImportSummary(
            period: period, dryRun: false, saved: saves.count, unchanged: rows.count - saves.count, figures: listed)
    }

    /// The checks of ``WorkflowGate/save(_:_:code:period:input:existing:)`` for one row, in the same order and with
    /// the same errors, as the clerk who would enter it: the department and the period, then a row that changes
    /// nothing (nil), the state and the version, then the content's rules.
    static func check(
        _ row: FigureImportRow, _ indicator: IndicatorRef, current: FigureRow?, period: PeriodCode,
        window: PeriodWindow, previous: PreviousFigure?, as clerk: Transaction
    ) throws -> Save? {
        try WorkflowGate.requireEntry(clerk, owner: indicator.owner, period: window, what: "figures")
        if let current {
            if isUnchanged(current, row) { return nil }
            guard row.input.version != nil else {
                throw ServiceError.conflict(
                    "Figure \(row.indicator) already exists at version \(current.version): put its version in the "
                        + "version column (figures export writes it) to change it.")
            }
            try WorkflowGate.checkState(.save, from: current.state, noun: FigureSubject.noun)
            try WorkflowGate.checkVersion(row.input.version, current: current.version, noun: FigureSubject.noun)
        } else if let version = row.input.version {
            throw ServiceError.conflict(
                "No figure for \(indicator.code) in \(period) exists yet, so version \(version) cannot be "
                    + "changed; save it without a version to create it.")
        }
        let content = FigureSubject.content(of: row.input, period: period)
        try FigureRules.check(content, of: indicator, in: window, previous: previous)
        return Save(
            line: row.line, indicator: indicator, clerk: clerk.actor, current: current, content: content,
            changedSinceApproval: current?.approved.map { $0 != content } ?? false)
    }

    /// Which failure decides the import's code when rows fail for different reasons: the acting clerk may not
    /// enter the file at all (forbidden, 77) before a row that conflicts with the current state (1) before bad
    /// data (65). The order of the rows plays no part.
    static func precedence(_ code: ServiceError.Code) -> Int {
        switch code {
        case .unauthenticated: 0
        case .forbidden: 1
        case .periodNotOpen: 2
        case .conflict: 3
        case .notFound: 4
        case .invalid: 6
        default: 5
        }
    }

    /// Whether a row states what the figure says: status, value with its scale, note, and `as_of` when given.
    static func isUnchanged(_ current: FigureRow, _ row: FigureImportRow) -> Bool {
        let (input, figure) = (row.input, current.content)
        // The value is compared with its scale: 4.0 is not 4, since reports print the decimals as entered.
        return input.status == figure.status && input.value == figure.value
            && EnteredText.nonBlank(input.note) == figure.note && (input.asOf ?? figure.asOf) == figure.asOf
    }
}
