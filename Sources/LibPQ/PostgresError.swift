import CLibPQ

/// A five-character SQLSTATE, open to codes this list does not name.
public struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let uniqueViolation = SQLState("23505")
    public static let foreignKeyViolation = SQLState("23503")
    public static let notNullViolation = SQLState("23502")
    public static let checkViolation = SQLState("23514")
    public static let exclusionViolation = SQLState("23P01")
    public static let serializationFailure = SQLState("40001")
    public static let deadlockDetected = SQLState("40P01")
    public static let syntaxError = SQLState("42601")
    public static let undefinedTable = SQLState("42P01")
    public static let undefinedColumn = SQLState("42703")
    public static let invalidTextRepresentation = SQLState("22P02")
    public static let numericValueOutOfRange = SQLState("22003")
    public static let raiseException = SQLState("P0001")
    public static let adminShutdown = SQLState("57P01")
    public static let queryCanceled = SQLState("57014")
    public static let lockNotAvailable = SQLState("55P03")
    public static let insufficientPrivilege = SQLState("42501")
    public static let duplicateDatabase = SQLState("42P04")

    /// The SQLSTATE's class (its first two characters), e.g. `23` integrity constraint violation.
    public var classCode: String { String(rawValue.prefix(2)) }

    var name: String? {
        switch self {
        case .uniqueViolation: "unique_violation"
        case .foreignKeyViolation: "foreign_key_violation"
        case .notNullViolation: "not_null_violation"
        case .checkViolation: "check_violation"
        case .exclusionViolation: "exclusion_violation"
        case .serializationFailure: "serialization_failure"
        case .deadlockDetected: "deadlock_detected"
        case .syntaxError: "syntax_error"
        case .undefinedTable: "undefined_table"
        case .undefinedColumn: "undefined_column"
        case .invalidTextRepresentation: "invalid_text_representation"
        case .numericValueOutOfRange: "numeric_value_out_of_range"
        case .raiseException: "raise_exception"
        case .adminShutdown: "admin_shutdown"
        case .queryCanceled: "query_canceled"
        case .lockNotAvailable: "lock_not_available"
        case .insufficientPrivilege: "insufficient_privilege"
        case .duplicateDatabase: "duplicate_database"
        default: nil
        }
    }
}

/// An error from libpq or the server, or from decoding a result.
///
/// `description` is deliberately terse: it names the SQLSTATE, constraint, table and column but not the
/// server's message or detail, which can quote values. `debugDescription` has everything but bound values,
/// which are never kept.
public struct PostgresError: Error, CustomStringConvertible, CustomDebugStringConvertible, Sendable {
    /// What went wrong, broadly.
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
        /// Could not connect, or the connection was lost.
        public static let connection = Kind(rawValue: "connection")
        /// The server rejected a statement.
        public static let server = Kind(rawValue: "server")
        /// A value in a result could not be decoded into the requested Swift type.
        public static let decoding = Kind(rawValue: "decoding")
        /// No connection became free in time.
        public static let poolTimeout = Kind(rawValue: "pool_timeout")
        /// The pool was shut down.
        public static let poolClosed = Kind(rawValue: "pool_closed")
        /// The statement was refused before it was sent (a parameter PostgreSQL cannot hold, such as a NUL
        /// character), or libpq failed without a server error.
        public static let client = Kind(rawValue: "client")
    }

    public var kind: Kind
    public var sqlState: SQLState?
    public var severity: String?
    /// The server's primary message (may quote values; not in `description`).
    public var message: String?
    public var detail: String?
    public var hint: String?
    /// 1-based character position in the statement, for syntax errors.
    public var position: Int?
    public var schema: String?
    public var table: String?
    public var column: String?
    public var constraint: String?
    /// The statement's SQL text with `$n` placeholders: never the bound values.
    public var query: String?

    public init(kind: Kind, message: String? = nil, query: String? = nil) {
        self.kind = kind
        self.message = message
        self.query = query
    }

    public var description: String {
        var parts: [String] = []
        switch kind {
        case .server:
            let code = sqlState.map { s in s.name.map { "\(s.rawValue) \($0)" } ?? s.rawValue } ?? "unknown"
            parts.append("PostgreSQL error \(code)")
        case .decoding, .poolTimeout, .poolClosed:
            parts.append("PostgreSQL client error (\(kind))")
            if let message { parts.append(message) }
        default:
            parts.append("PostgreSQL \(kind) error")
            if let sqlState { parts.append("SQLSTATE \(sqlState)") }
        }
        if let constraint { parts.append("constraint \(constraint)") }
        if let table { parts.append("table \(table)") }
        if let column { parts.append("column \(column)") }
        if let position { parts.append("at position \(position)") }
        return parts.joined(separator: ", ")
    }

    public var debugDescription: String {
        var s = description
        if let message, kind == .server || kind == .connection || kind == .client { s += "\nmessage: \(message)" }
        if let detail { s += "\ndetail: \(detail)" }
        if let hint { s += "\nhint: \(hint)" }
        if let query { s += "\nquery: \(query)" }
        return s
    }

    /// Reads the error fields of a failed result.
    init(result: OpaquePointer, query: String?) {
        func field(_ code: Int32) -> String? {
            guard let p = PQresultErrorField(result, code) else { return nil }
            return String(cString: p)
        }
        self.init(kind: .server, message: field(DiagnosticField.messagePrimary), query: query)
        if message == nil, let p = PQresultErrorMessage(result) {
            let m = String(cString: p).trimmingCharacters(in: .whitespacesAndNewlines)
            message = m.isEmpty ? nil : m
        }
        sqlState = field(DiagnosticField.sqlstate).map(SQLState.init(rawValue:))
        severity = field(DiagnosticField.severityNonlocalized) ?? field(DiagnosticField.severity)
        detail = field(DiagnosticField.messageDetail)
        hint = field(DiagnosticField.messageHint)
        position = field(DiagnosticField.statementPosition).flatMap { Int($0) }
        schema = field(DiagnosticField.schemaName)
        table = field(DiagnosticField.tableName)
        column = field(DiagnosticField.columnName)
        constraint = field(DiagnosticField.constraintName)
        if sqlState == nil { kind = .connection }
    }

    /// True when the connection itself failed, so the statement may never have reached the server.
    public var isConnectionFailure: Bool {
        kind == .connection || sqlState?.classCode == "08" || sqlState == .adminShutdown
    }
}

/// A transaction's begin, rollback or commit failed. A failure of the body itself is rethrown unchanged.
public struct PostgresTransactionError: Error, CustomStringConvertible, Sendable {
    public enum Stage: String, Sendable {
        case begin, commit, rollback
    }

    /// Which statement of the transaction failed.
    public var stage: Stage
    /// The error of that statement.
    public var underlying: PostgresError
    /// The body's error, when a rollback failed after the body threw.
    public var bodyError: (any Error)?
    /// For a failed COMMIT: whether the transaction committed after all, was rolled back, or cannot be told.
    /// `committed` only when a `pipeline(…, commit: true)` committed but its results were lost with the connection
    /// (otherwise a transaction that committed is no failure).
    public var outcome: CommitOutcome?
    /// For a COMMIT in doubt: the transaction's id, to look it up later with `pg_xact_status`.
    public var transactionID: TransactionID?

    public var description: String {
        var s = "transaction \(stage) failed: \(underlying)"
        if let outcome { s += " (outcome: \(outcome.rawValue))" }
        if let bodyError { s += " (after the transaction body failed: \(bodyError))" }
        return s
    }
}

extension Error {
    /// The PostgreSQL error behind this error, looking through transaction wrappers.
    public var postgresError: PostgresError? {
        if let e = self as? PostgresError { return e }
        if let e = self as? PostgresTransactionError { return e.underlying }
        return nil
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> String {
        String(drop(while: { set.contains($0) }).reversed().drop(while: { set.contains($0) }).reversed())
    }
}

extension Set where Element == Character {
    fileprivate static var whitespacesAndNewlines: Set<Character> { [" ", "\n", "\t", "\r"] }
}

/// `PQresultErrorField` codes (libpq's PG_DIAG_* character macros, which Swift does not import).
private enum DiagnosticField {
    static let messagePrimary = Int32(UInt8(ascii: "M"))  // PG_DIAG_MESSAGE_PRIMARY
    static let sqlstate = Int32(UInt8(ascii: "C"))  // PG_DIAG_SQLSTATE
    static let severityNonlocalized = Int32(UInt8(ascii: "V"))  // PG_DIAG_SEVERITY_NONLOCALIZED
    static let severity = Int32(UInt8(ascii: "S"))  // PG_DIAG_SEVERITY
    static let messageDetail = Int32(UInt8(ascii: "D"))  // PG_DIAG_MESSAGE_DETAIL
    static let messageHint = Int32(UInt8(ascii: "H"))  // PG_DIAG_MESSAGE_HINT
    static let statementPosition = Int32(UInt8(ascii: "P"))  // PG_DIAG_STATEMENT_POSITION
    static let schemaName = Int32(UInt8(ascii: "s"))  // PG_DIAG_SCHEMA_NAME
    static let tableName = Int32(UInt8(ascii: "t"))  // PG_DIAG_TABLE_NAME
    static let columnName = Int32(UInt8(ascii: "c"))  // PG_DIAG_COLUMN_NAME
    static let constraintName = Int32(UInt8(ascii: "n"))  // PG_DIAG_CONSTRAINT_NAME
}
