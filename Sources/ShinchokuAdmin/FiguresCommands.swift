import ArgumentParser
import Foundation
import Shinchoku
import ShinchokuReports

extension Admin {
    struct Figures: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import, export and list a period's figures.",
            discussion: """
                Example:
                  shinchoku-admin figures import ports-2021Q1.csv --period 2021Q1 --as yamada
                """,
            subcommands: [Import.self, Export.self, List.self])

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Save a period's figures from a CSV file, all or nothing, as the clerk given by --as.",
                discussion: """
                    The file is UTF-8 CSV (a byte order mark is fine; in Excel choose "CSV UTF-8") with a \
                    header line. Columns: indicator, value, status, note; optionally version and as_of \
                    (state is ignored, so a file from 'figures export' imports as it is).

                      indicator  the indicator's code, such as 1-1.1
                      value      the figure; empty when there is none
                      status     reported (or empty), not_published (未公表) or not_available (－)
                      note       required without a value, and to explain a fall or a jump
                      version    the version to change, from 'figures export'; empty: a new figure
                      as_of      the value's date (YYYY-MM-DD); empty: the period's last day

                    Every row goes through the same checks as a figure entered on screen, as the account \
                    given by --as (a clerk of the department that owns the indicators). If any row fails, \
                    nothing is saved and every bad row is listed with its line number. Saved figures are \
                    drafts until the clerk submits them. Rows equal to the current figure change nothing; \
                    any other row for an existing figure needs its version.

                    An admin imports a file of several departments by naming each department's clerk with \
                    --as-department CODE=LOGIN (repeat it): each department's rows are saved as its clerk, \
                    whom the database holds to that department, still all or nothing. A row of a department \
                    with no clerk named is refused (unless it changes nothing).

                    Example:
                      shinchoku-admin figures import ports-2021Q1.csv --period 2021Q1 --as yamada
                      shinchoku-admin figures import ports-2021Q1.csv --period 2021Q1 --dry-run \\
                          --as yamada
                      shinchoku-admin figures import all-2021Q1.csv --period 2021Q1 --as kanri \\
                          --as-department ports=yamada --as-department water=mizuno
                    """)

            @Argument(help: "The CSV file.")
            var file: String

            @Option(help: "The period, such as 2021Q1.")
            var period: String

            @Flag(help: "Check every row and save nothing.")
            var dryRun = false

            @Option(
                name: .customLong("as-department"),
                help: ArgumentHelp(
                    "Save this department's rows as this clerk (an admin's import of several departments). Repeat it.",
                    valueName: "code=login"))
            var asDepartment: [String] = []

            @OptionGroup var options: SharedOptions

            func validate() throws {
                _ = try ArgumentCheck.period(period, "period for --period")
                _ = try clerks()
            }

            /// `--as-department CODE=LOGIN`, by department code.
            func clerks() throws -> [String: String] {
                var clerks: [String: String] = [:]
                for given in asDepartment {
                    let parts = given.split(separator: "=", maxSplits: 1).map {
                        $0.trimmingCharacters(in: .whitespaces)
                    }
                    guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                        throw ValidationError(
                            "\"\(given)\" is not CODE=LOGIN for --as-department, such as ports=yamada.")
                    }
                    guard clerks[parts[0]] == nil else {
                        throw ValidationError("--as-department names a clerk for \(parts[0]) twice.")
                    }
                    clerks[parts[0]] = parts[1]
                }
                return clerks
            }

            func run() async throws {
                let parsed = try FigureCSV.read(file)
                let code = PeriodCode(period)!
                let clerks = try clerks()
                try await Invocation.run(options) { run in
                    if !parsed.errors.isEmpty {
                        throw try await FigureCSV.allErrors(
                            parsed, period: code, service: run.service, actor: run.actor, clerks: clerks)
                    }
                    let s = try await run.service.importFigures(
                        period: code, rows: parsed.rows, dryRun: dryRun, as: run.actor, clerks: clerks)
                    try run.emit(s) {
                        let rows = Format.count(parsed.rows.count, "row")
                        return s.dryRun
                            ? "Checked \(rows) for \(s.period): all can be imported (dry run: nothing was saved)."
                            : "Imported \(rows) for \(s.period): \(Format.count(s.saved, "figure")) saved, "
                                + "\(s.unchanged) unchanged. Saved figures are drafts until the clerk submits them."
                    }
                }
            }
        }

        struct Export: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Write a period's figures as CSV, which 'figures import' reads back.",
                discussion: """
                    Columns: indicator, value, status, note, state, version, as_of. UTF-8 with a byte \
                    order mark, so that Excel shows the Japanese text.

                    Example:
                      shinchoku-admin figures export --period 2021Q1 --out figures-2021Q1.csv
                      shinchoku-admin figures export --period 2021Q1 --department ports
                    """)

            @Option(help: "The period, such as 2021Q1.")
            var period: String

            @Option(help: "Only the figures of this department's projects.")
            var department: String?

            @Option(help: "Only the figures of this project, such as 1-1.")
            var project: String?

            @Option(help: ArgumentHelp("The file to write (default: standard output).", valueName: "file"))
            var out: String?

            @OptionGroup var options: SharedOptions

            func validate() throws { _ = try ArgumentCheck.period(period, "period for --period") }

            func run() async throws {
                try await Invocation.run(options) { run in
                    let figures = try await run.service.figures(
                        period: PeriodCode(period)!, project: project, department: department, as: run.actor)
                    try run.write(Data(("\u{FEFF}" + FigureCSV.export(figures)).utf8), to: out)
                    if let out {
                        run.context.standardError.line("Wrote \(Format.count(figures.count, "figure")) to \(out).")
                    }
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List a period's figures and where each is in review.",
                discussion: """
                    Example:
                      shinchoku-admin figures list --period 2021Q1 --department ports
                    """)

            @Option(help: "The period, such as 2021Q1.")
            var period: String

            @Option(help: "Only the figures of this department's projects.")
            var department: String?

            @Option(help: "Only the figures of this project, such as 1-1.")
            var project: String?

            @OptionGroup var options: SharedOptions

            func validate() throws { _ = try ArgumentCheck.period(period, "period for --period") }

            func run() async throws {
                try await Invocation.run(options) { run in
                    let figures = try await run.service.figures(
                        period: PeriodCode(period)!, project: project, department: department, as: run.actor)
                    try run.emit(figures) {
                        if figures.isEmpty { return "No figures have been entered for \(period)." }
                        var table = TextTable("INDICATOR", "NAME", "VALUE", "AS OF", "STATE", "VERSION", "ENTERED BY")
                        for f in figures {
                            table.add(
                                f.indicator, f.indicatorName, Format.figure(status: f.status, value: f.value, unit: ""),
                                f.asOf.description, f.state.rawValue, "\(f.version)", f.enteredBy)
                        }
                        return table.aligningRight("VALUE", "VERSION").render()
                    }
                }
            }
        }
    }
}

/// The figures CSV format of `figures import` and `figures export`.
enum FigureCSV {
    static let exportColumns = ["indicator", "value", "status", "note", "state", "version", "as_of"]
    static let importColumns: Set<String> = Set(exportColumns)

    /// A file's rows, and the errors of rows that could not be read.
    struct Parsed {
        var rows: [FigureImportRow] = []
        var errors: [RowError] = []
        var recordCount = 0
    }

    struct RowError {
        var line: Int
        var field: String?
        var message: String
    }

    static func read(_ path: String) throws -> Parsed {
        let data = try Invocation.read(path)
        let records: [CSV.Record]
        do {
            records = try CSV.parse(data)
        } catch let e as CSV.SyntaxError {
            throw AdminError.invalidData("\(path) is not a CSV file that can be read: line \(e.line): \(e.message).")
        }
        guard let header = records.first else {
            throw AdminError.invalidData(
                "\(path) is empty: it needs a header line (indicator,value,status,note) and rows.")
        }
        var columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        // Excel writes empty columns after the last named one (`indicator,value,status,note,,`): ignore them.
        while columns.count > 1, columns.last?.isEmpty == true { columns.removeLast() }
        var problems: [String] = []
        for c in columns where !importColumns.contains(c) {
            problems.append("unknown column \"\(c)\"")
        }
        for c in ["indicator", "value"] where !columns.contains(c) {
            problems.append("the column \"\(c)\" is missing")
        }
        for c in Set(columns) where columns.filter({ $0 == c }).count > 1 {
            problems.append("the column \"\(c)\" appears twice")
        }
        if !problems.isEmpty {
            throw AdminError.invalidData(
                "The header line of \(path) is wrong: \(problems.joined(separator: "; ")). "
                    + "It must name the columns indicator,value,status,note (optionally also version, as_of, state).")
        }
        var parsed = Parsed()
        for record in records.dropFirst() {
            if record.fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            parsed.recordCount += 1
            // Excel's empty trailing columns are ignored in rows as in the header.
            var fields = record.fields
            while fields.count > columns.count, fields.last?.trimmingCharacters(in: .whitespaces).isEmpty == true {
                fields.removeLast()
            }
            guard fields.count == columns.count else {
                parsed.errors.append(
                    RowError(
                        line: record.line, field: nil,
                        message: "has \(fields.count) fields, but the header has \(columns.count)"))
                continue
            }
            var cell: [String: String] = [:]
            for (name, value) in zip(columns, fields) {
                // Text cells come back as `figures export` wrote them before the spreadsheet guard; numbers as is.
                cell[name] = name == "value" ? value : SpreadsheetText.restored(value)
            }
            switch row(record.line, cell) {
            case .success(let r): parsed.rows.append(r)
            case .failure(let e): parsed.errors += e.errors
            }
        }
        if parsed.recordCount == 0 {
            throw AdminError.invalidData("\(path) has a header but no figures.")
        }
        return parsed
    }

    struct RowErrors: Error {
        var errors: [RowError]
    }

    /// One row's cells as an import row, or every field that cannot be read.
    static func row(_ line: Int, _ cell: [String: String]) -> Result<FigureImportRow, RowErrors> {
        var errors: [RowError] = []
        func trimmed(_ name: String) -> String { (cell[name] ?? "").trimmingCharacters(in: .whitespaces) }

        let indicator = trimmed("indicator")
        if indicator.isEmpty { errors.append(RowError(line: line, field: "indicator", message: "is empty")) }

        let statusText = trimmed("status")
        let status: FigureStatus
        switch statusText.lowercased() {
        case "", "reported": status = .reported
        case "not_published", "未公表": status = .notPublished
        case "not_available", "－", "-": status = .notAvailable
        default:
            status = .reported
            errors.append(
                RowError(
                    line: line, field: "status",
                    message:
                        "\"\(statusText)\" is not a status: write reported (or leave it empty), not_published or not_available"
                ))
        }

        // The one number grammar of the API, the import and the web forms.
        var value: ExactDecimal?
        do throws(FigureValue.Refusal) {
            value = try FigureValue.parse(cell["value"] ?? "")
        } catch {
            errors.append(RowError(line: line, field: error.field, message: error.message))
        }

        var version: Int?
        let versionText = trimmed("version")
        if !versionText.isEmpty {
            version = Int(versionText)
            if version == nil || version! < 1 {
                errors.append(
                    RowError(
                        line: line, field: "version", message: "\"\(versionText)\" is not a version number such as 3"))
            }
        }

        var asOf: CalendarDate?
        let asOfText = trimmed("as_of")
        if !asOfText.isEmpty {
            asOf = CalendarDate(asOfText)
            if asOf == nil {
                errors.append(
                    RowError(line: line, field: "as_of", message: "\"\(asOfText)\" is not a date such as 2021-07-31"))
            }
        }

        guard errors.isEmpty else { return .failure(RowErrors(errors: errors)) }
        let note = cell["note"].flatMap { $0.isEmpty ? nil : $0 }
        return .success(
            FigureImportRow(
                line: line, indicator: indicator,
                input: FigureInput(value: value, status: status, note: note, asOf: asOf, version: version)))
    }

    /// When some rows could not even be read, the other rows are checked by the service in a dry run, so that
    /// one run lists every bad row.
    static func allErrors(
        _ parsed: Parsed, period: PeriodCode, service: ShinchokuService, actor: ActorReference,
        clerks: [String: String] = [:]
    ) async throws -> ServiceError {
        var errors = parsed.errors
        var code = ServiceError.Code.invalid
        if !parsed.rows.isEmpty {
            do {
                _ = try await service.importFigures(
                    period: period, rows: parsed.rows, dryRun: true, as: actor, clerks: clerks)
            } catch let e as ServiceError {
                let rowErrors = e.fieldErrors.compactMap(Self.rowError)
                // An error about the import as a whole (who is acting, the period) is the one to report.
                guard !rowErrors.isEmpty else { throw e }
                errors += rowErrors
                if e.code != .invalid { code = e.code }
            }
        }
        errors.sort { $0.line < $1.line }
        let bad = Set(errors.map(\.line)).count
        return ServiceError(
            code,
            "Nothing was imported: \(bad) of \(parsed.recordCount) rows \(bad == 1 ? "has" : "have") errors.",
            fieldErrors: errors.map {
                .init(field: "line \($0.line)" + ($0.field.map { ", \($0)" } ?? ""), message: $0.message)
            })
    }

    /// Reads back `line N, field` from the service's field errors.
    static func rowError(_ e: ServiceError.FieldError) -> RowError? {
        guard e.field.hasPrefix("line ") else { return nil }
        let rest = e.field.dropFirst(5)
        let number = rest.prefix { $0.isNumber }
        guard let line = Int(number) else { return nil }
        let after = rest.dropFirst(number.count)
        let field = after.hasPrefix(", ") ? String(after.dropFirst(2)) : nil
        return RowError(line: line, field: field, message: e.message)
    }

    static func export(_ figures: [FigureInfo]) -> String {
        CSV.write(
            [exportColumns]
                + figures.map { f in
                    [
                        // Text through the spreadsheet guard (a note "=HYPERLINK(…)" is no formula); numbers as is.
                        SpreadsheetText.neutralized(f.indicator), f.value?.description ?? "", f.status.rawValue,
                        SpreadsheetText.neutralized(f.note ?? ""), f.state.rawValue, "\(f.version)",
                        f.asOf.description,
                    ]
                })
    }
}
