import Foundation
import LibPQ

/// Reads an xlsx file back with Python's openpyxl, an independent reader, so that tests see what a spreadsheet sees:
/// sheet names, each cell's type, value, number format and note, frozen panes, column widths and the workbook's
/// properties.
///
/// The Python interpreter is the first of `$SHINCHOKU_PYTHON`, `/usr/bin/python3` (Debian's `python3-openpyxl`) and
/// `python3` on the `PATH` that can import openpyxl. Without one, tests skip locally; under `CI=true` they run
/// and fail, since `.ci/run` installs it.
public enum XLSXReader {
    public struct Cell: Decodable, Sendable, Equatable {
        /// `int`, `float`, `str`, `datetime`, `bool` or `none` (openpyxl's Python type of the value).
        public var type: String
        /// `repr()` of a number, the text of a string, ISO 8601 of a date; nil for an empty cell.
        public var value: String?
        /// The Excel number format (`General`, `#,##0.0`, `yyyy-mm-dd`).
        public var format: String
        /// The cell's note (comment), if any.
        public var comment: String?

        public init(type: String, value: String?, format: String, comment: String?) {
            self.type = type
            self.value = value
            self.format = format
            self.comment = comment
        }
    }

    public struct Sheet: Decodable, Sendable {
        public var name: String
        /// Rows of cells, from A1; every row as wide as the widest.
        public var rows: [[Cell]]
        /// openpyxl's `freeze_panes` (`A2` when the first row is frozen).
        public var freeze: String?
        /// Column widths by letter, where set.
        public var widths: [String: Double]
    }

    public struct Workbook: Decodable, Sendable {
        public var sheets: [Sheet]
        public var title: String?
        public var creator: String?

        public func sheet(_ name: String) -> Sheet? { sheets.first { $0.name == name } }
    }

    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    static let threads = BlockingThreads(count: 1, name: "xlsx-reader")

    /// Whether the test that reads xlsx files runs: openpyxl is there, or this is CI (which must have it).
    public static func shouldRun() async -> Bool {
        if ProcessInfo.processInfo.environment["CI"] == "true" { return true }
        if await python() != nil { return true }
        print("Skipping the xlsx read-back: no python3 with openpyxl (apt-get install python3-openpyxl).")
        return false
    }

    /// The interpreter to use, or nil.
    public static func python() async -> String? {
        await threads.run { () -> String? in
            var candidates: [String] = []
            if let own = ProcessInfo.processInfo.environment["SHINCHOKU_PYTHON"] { candidates.append(own) }
            candidates += ["/usr/bin/python3", "python3"]
            for candidate in candidates {
                if let r = try? run(candidate, ["-c", "import openpyxl"]), r.status == 0 { return candidate }
            }
            return nil
        }
    }

    /// Reads the workbook's bytes. Runs the interpreter on a thread of its own, not on the cooperative pool.
    /// - Throws: ``Unavailable`` without python3 and openpyxl; any other failure with Python's error text.
    public static func read(_ bytes: some Collection<UInt8>) async throws -> Workbook {
        guard let python = await python() else {
            throw Unavailable(
                description:
                    "python3 with openpyxl is needed to read xlsx files back (apt-get install python3-openpyxl)")
        }
        let data = Data(bytes)
        let output = try await threads.run { () throws -> Data in
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("shinchoku-read-\(UUID()).xlsx")
            try data.write(to: path)
            defer { try? FileManager.default.removeItem(at: path) }
            let r = try run(python, ["-c", script, path.path])
            guard r.status == 0 else {
                throw Unavailable(description: "openpyxl failed: " + String(decoding: r.stderr, as: UTF8.self))
            }
            return r.stdout
        }
        return try JSONDecoder().decode(Workbook.self, from: output)
    }

    private static func run(_ program: String, _ arguments: [String]) throws -> (
        status: Int32, stdout: Data, stderr: Data
    ) {
        let process = Process()
        if program.hasPrefix("/") {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [program] + arguments
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting, so that a full pipe cannot stall the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, stdout, stderr)
    }

    static let script = #"""
        import datetime, json, sys
        import openpyxl
        wb = openpyxl.load_workbook(sys.argv[1])
        def cell(c):
            v = c.value
            if v is None:
                t, s = "none", None
            elif isinstance(v, bool):
                t, s = "bool", repr(v)
            elif isinstance(v, int):
                t, s = "int", repr(v)
            elif isinstance(v, float):
                t, s = "float", repr(v)
            elif isinstance(v, datetime.datetime):
                t, s = "datetime", v.isoformat()
            elif isinstance(v, str):
                t, s = "str", v
            else:
                t, s = type(v).__name__, str(v)
            return {"type": t, "value": s, "format": c.number_format,
                    "comment": c.comment.text if c.comment else None}
        sheets = []
        for ws in wb.worksheets:
            rows = [[cell(c) for c in row] for row in ws.iter_rows()]
            widths = {k: d.width for k, d in ws.column_dimensions.items() if d.width}
            sheets.append({"name": ws.title, "rows": rows, "freeze": ws.freeze_panes, "widths": widths})
        json.dump({"sheets": sheets, "title": wb.properties.title, "creator": wb.properties.creator},
                  sys.stdout, ensure_ascii=False)
        """#
}
