import Foundation
import LibPQ

/// One row of a figure import: the indicator, what to save for it, and the row's line in the file.
public struct FigureImportRow: Sendable, Equatable {
    /// The line the row starts on in its file, for error messages.
    public var line: Int
    public var indicator: String
    /// With no version, an existing draft or returned figure is overwritten; with one, it must be current.
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
    /// Saves many figures of one period, all or nothing, each through the same rules as ``saveFigure``: the
    /// acting clerk's department must own each indicator's project and the period must be open for it.
    ///
    /// Every row is checked, in one transaction; when any fails, nothing is saved and the error lists every
    /// failing row, its fields named `line N, field` (or `line N` for a row-wide reason). The error's code is
    /// `invalid` when every failure is invalid input, else that of the first failure. A row whose content
    /// equals the figure's current content saves nothing, so importing the same file twice changes nothing.
    /// With `dryRun`, everything is checked and nothing kept.
    public func importFigures(
        period: PeriodCode, rows: [FigureImportRow], dryRun: Bool = false, as clerk: ActorReference
    ) async throws -> FigureImportSummary {
        do {
            return try await perform(as: clerk) { tx in
                try tx.require(.clerk, to: "enter figures")
                // A missing period fails the import as a whole, not each of its rows.
                _ = try WorkflowGate.period(tx.connection, period, department: nil, lock: false)
                guard !rows.isEmpty else { throw ServiceError.invalid("rows", "there are no figures to import") }
                let summary = try FigureImport.run(tx, period: period, rows: rows, dryRun: dryRun)
                if dryRun { throw FigureImport.DryRunDone(summary: summary) }
                return summary
            }
        } catch let done as FigureImport.DryRunDone {
            return done.summary
        }
    }
}

/// The import of many figures in one transaction.
enum FigureImport {
    /// Rolls a dry run's transaction back while carrying its result out.
    struct DryRunDone: Error {
        let summary: FigureImportSummary
    }

    static func run(_ tx: Transaction, period: PeriodCode, rows: [FigureImportRow], dryRun: Bool) throws
        -> FigureImportSummary
    {
        let c = tx.connection
        var failures: [(line: Int, error: ServiceError)] = []
        var figures: [FigureInfo] = []
        var saved = 0
        var unchanged = 0
        var firstLine: [String: Int] = [:]
        for row in rows {
            if let earlier = firstLine[row.indicator] {
                failures.append(
                    (row.line, .invalid("indicator", "\(row.indicator) is on line \(earlier) already")))
                continue
            }
            firstLine[row.indicator] = row.line
            // A savepoint per row: a row the database refuses must not abort the checks of the rows after it.
            try c.execute("SAVEPOINT figure_import_row")
            do {
                let (figure, didSave) = try save(tx, period: period, indicator: row.indicator, input: row.input)
                try c.execute("RELEASE SAVEPOINT figure_import_row")
                figures.append(figure)
                if didSave { saved += 1 } else { unchanged += 1 }
            } catch {
                try c.execute("ROLLBACK TO SAVEPOINT figure_import_row")
                guard let serviceError = ServiceError.from(error) as? ServiceError else { throw error }
                failures.append((row.line, serviceError))
            }
        }
        if !failures.isEmpty {
            let code = failures.allSatisfy { $0.error.code == .invalid } ? .invalid : failures[0].error.code
            let bad = Set(failures.map(\.line)).count
            throw ServiceError(
                code, "Nothing was imported: \(bad) of \(rows.count) rows \(bad == 1 ? "has" : "have") errors.",
                fieldErrors: failures.flatMap { f in
                    f.error.fieldErrors.isEmpty
                        ? [.init(field: "line \(f.line)", message: f.error.message)]
                        : f.error.fieldErrors.map { .init(field: "line \(f.line), \($0.field)", message: $0.message) }
                })
        }
        return FigureImportSummary(period: period, dryRun: dryRun, saved: saved, unchanged: unchanged, figures: figures)
    }

    /// The steps of ``ShinchokuService/saveFigure(period:indicator:input:as:)`` for one row, in the caller's
    /// transaction; returns the figure and whether anything was saved. Without a version, an existing figure's
    /// current version is used: the file states what the figures should be.
    static func save(_ tx: Transaction, period: PeriodCode, indicator: String, input: FigureInput) throws
        -> (FigureInfo, saved: Bool)
    {
        let c = tx.connection
        let actorID = try WorkflowGate.actorID(tx)
        let ind = try FigureStore.indicator(c, code: indicator, lockProject: true)
        let window = try WorkflowGate.period(c, period, department: ind.owner.departmentID, lock: true)
        try WorkflowGate.requireEntry(tx, owner: ind.owner, period: window, what: "figures")
        let current = try FigureStore.figure(c, indicatorID: ind.id, period: period, forUpdate: true)
        let content = FigureContent(
            status: input.status, value: input.value, note: EnteredText.nonBlank(input.note),
            asOf: input.asOf ?? period.endDate)
        if let current {
            // Re-importing what is there already is harmless, whatever the figure's state or version.
            if current.content == content { return (try FigureStore.info(c, id: current.id), false) }
            try WorkflowGate.checkState(.save, from: current.state, noun: "figure")
            try WorkflowGate.checkVersion(input.version ?? current.version, current: current.version, noun: "figure")
        } else if let version = input.version {
            throw ServiceError.conflict(
                "No figure for \(indicator) in \(period) exists yet, so version \(version) cannot be changed; "
                    + "leave the version empty to create it.")
        }
        try FigureRules.check(content, of: ind, in: window, previous: FigureStore.previousApproved(c, ind, period))

        let id: Int
        let version: Int
        if let current {
            let changed = current.approved.map { $0 != content } ?? false
            let updated = try c.execute(
                """
                UPDATE figures SET status = \(content.status.rawValue), value = \(content.value),
                    note = \(content.note), as_of = \(content.asOf), state = 'draft', version = version + 1,
                    entered_by = \(actorID), changed_since_approval = \(changed), updated_at = now()
                WHERE id = \(current.id) AND version = \(current.version)
                """)
            guard updated == 1 else { throw FigureStore.concurrentChange }
            (id, version) = (current.id, current.version + 1)
        } else {
            guard
                let row = try c.query(
                    """
                    INSERT INTO figures (indicator_id, period_code, status, value, note, as_of, entered_by)
                    VALUES (\(ind.id), \(period.description), \(content.status.rawValue), \(content.value),
                            \(content.note), \(content.asOf), \(actorID))
                    ON CONFLICT (indicator_id, period_code) DO NOTHING
                    RETURNING id
                    """
                ).first
            else { throw FigureStore.concurrentChange }
            (id, version) = (try row.decode(Int.self, at: 0), 1)
        }
        try WorkflowLog.record(
            tx, .figure(id: id), action: .save, from: current?.state, version: version,
            content: WorkflowJSON.encode(content), comment: nil)
        let after = try FigureStore.info(c, id: id)
        try tx.audit(
            "figure.save", entity: .figure, id: FigureStore.auditID(period, indicator),
            before: current.map(FigureAuditRecord.init), after: FigureAuditRecord(after))
        return (after, true)
    }
}
