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
    /// Saves many figures of one period, all or nothing, each through the same rules as ``saveFigure``: the
    /// acting clerk's department must own each indicator's project and the period must be open for it.
    ///
    /// Every row is checked, in one transaction; when any fails, nothing is saved and the error lists every
    /// failing row, its fields named `line N, field` (or `line N` for a row-wide reason). The error's code is
    /// the most serious kind among the failures, whatever the order of the rows: `forbidden` (another
    /// department's indicator) before `period_not_open` and `conflict` before `invalid` (an unknown indicator
    /// code included). A row whose content equals the figure's current content saves nothing, whatever its
    /// version, so importing the same file twice changes nothing (its `as_of` is compared only when the row gives
    /// one); such a row is skipped also for another department's indicator, so that an export of every
    /// department imports back. Any other row for an
    /// existing figure needs the figure's current version: without one it is a `conflict`, never an overwrite.
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
            // An export of every department imports back: another department's row that changes nothing is
            // skipped, where saving it would be refused.
            if let kept = try keptForAnotherDepartment(tx, period: period, row: row) {
                figures.append(kept)
                unchanged += 1
                continue
            }
            // A savepoint per row: a row the database refuses must not abort the checks of the rows after it.
            try c.execute("SAVEPOINT figure_import_row")
            do {
                let (figure, didSave) = try WorkflowGate.save(
                    FigureSubject.self, tx, code: row.indicator, period: period, input: row.input
                ) { current in try existing(current, row) }
                try c.execute("RELEASE SAVEPOINT figure_import_row")
                figures.append(figure)
                if didSave { saved += 1 } else { unchanged += 1 }
            } catch {
                try c.execute("ROLLBACK TO SAVEPOINT figure_import_row")
                guard var serviceError = ServiceError.from(error) as? ServiceError else { throw error }
                // In a file, a code that names no indicator is a mistake in the row's data.
                if serviceError.code == .notFound {
                    serviceError = .invalid("indicator", "there is no indicator \(row.indicator) in the plan")
                }
                failures.append((row.line, serviceError))
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
        return FigureImportSummary(period: period, dryRun: dryRun, saved: saved, unchanged: unchanged, figures: figures)
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

    /// The figure of a row for an indicator of another department than the acting clerk's, when the row states
    /// exactly what the figure says already (as ``existing(_:_:)`` compares): nothing to save, so nothing to
    /// refuse. Nil for any other row, which then goes through the save and its checks.
    static func keptForAnotherDepartment(_ tx: Transaction, period: PeriodCode, row: FigureImportRow) throws
        -> FigureInfo?
    {
        let c = tx.connection
        // An unknown code is left to the save, which reports it.
        guard let ind = try FigureStore.target(c, code: row.indicator, lock: false),
            ind.owner.departmentID != tx.actor.departmentID,
            let current = try FigureStore.row(c, of: ind, period: period, forUpdate: false),
            isUnchanged(current, row)
        else { return nil }
        return try FigureStore.info(c, id: current.id)
    }

    /// Whether a row states what the figure says: status, value with its scale, note, and `as_of` when given.
    static func isUnchanged(_ current: FigureRow, _ row: FigureImportRow) -> Bool {
        let (input, figure) = (row.input, current.content)
        // The value is compared with its scale: 4.0 is not 4, since reports print the decimals as entered.
        return input.status == figure.status && input.value == figure.value
            && EnteredText.nonBlank(input.note) == figure.note && (input.asOf ?? figure.asOf) == figure.asOf
    }

    /// The import's rule for a row whose figure exists, before the save's own checks: a row that states what
    /// the figure says already changes nothing, whatever its state or version, so that a file imports twice and
    /// an export imports as it is. Any other row must carry the figure's version, which the save then checks:
    /// a file never silently overwrites a figure.
    static func existing(_ current: FigureRow, _ row: FigureImportRow) throws -> WorkflowGate.SaveExisting {
        if isUnchanged(current, row) { return .keep }
        guard row.input.version != nil else {
            throw ServiceError.conflict(
                "Figure \(row.indicator) already exists at version \(current.version): put its version in the "
                    + "version column (figures export writes it) to change it.")
        }
        return .save
    }
}
