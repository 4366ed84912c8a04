import LibPQ

/// The one error the service layer throws. Its `code` is stable: the HTTP layer and the CLI map it.
/// After an error the call's own change has not happened: each transaction it ran rolled back. One thing is
/// written on purpose: a refused login records the failure (`login_failures`), which throttling counts.
public struct ServiceError: Error, Equatable, CustomStringConvertible, Sendable {
    public struct Code: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The acting user may not do this.
        public static let forbidden = Code(rawValue: "forbidden")
        /// The thing named does not exist.
        public static let notFound = Code(rawValue: "not_found")
        /// A stale version, a duplicate, or a state that does not allow this.
        public static let conflict = Code(rawValue: "conflict")
        /// The period is not open for this department.
        public static let periodNotOpen = Code(rawValue: "period_not_open")
        /// Input broke a rule; `fieldErrors` says which.
        public static let invalid = Code(rawValue: "invalid")
        /// No valid session or acting user.
        public static let unauthenticated = Code(rawValue: "unauthenticated")
        /// Too many failed logins.
        public static let throttled = Code(rawValue: "throttled")
        /// The database could not be reached, or did not answer in time. Nothing was changed.
        public static let unavailable = Code(rawValue: "unavailable")
        /// The connection broke after a change was sent to be committed, and whether it was saved cannot be told:
        /// re-read before retrying.
        public static let outcomeUnknown = Code(rawValue: "outcome_unknown")
    }

    /// One broken rule: the field at fault and a sentence a clerk understands.
    public struct FieldError: Equatable, Sendable, Codable {
        public var field: String
        public var message: String
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    /// What the caller can do about a refusal, for a shell to phrase in its own terms (the CLI names its flags;
    /// the message itself names none, since HTTP clients read it too).
    public enum Remedy: String, Sendable, Equatable {
        /// Name the acting user (the refusal came to a caller acting as no one).
        case nameActingUser
        /// Create the first admin account: nothing else is allowed while the database has none.
        case createFirstAdmin
        /// The first account must be an admin.
        case firstAccountIsAdmin
        /// Act as one of the database's own admins (loading demo data into a database that has them).
        case actAsExistingAdmin
        /// Import the plan: there is none yet.
        case importPlan
    }

    public var code: Code
    public var message: String
    public var fieldErrors: [FieldError]
    /// Seconds to wait, for `throttled`.
    public var retryAfterSeconds: Int?
    /// What the caller can do, where the service knows it.
    public var remedy: Remedy?

    public init(
        _ code: Code, _ message: String, fieldErrors: [FieldError] = [], retryAfterSeconds: Int? = nil,
        remedy: Remedy? = nil
    ) {
        self.code = code
        self.message = message
        self.fieldErrors = fieldErrors
        self.retryAfterSeconds = retryAfterSeconds
        self.remedy = remedy
    }

    public var description: String {
        if fieldErrors.isEmpty { return message }
        return message + " " + fieldErrors.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
    }

    public static func forbidden(_ message: String, remedy: Remedy? = nil) -> ServiceError {
        ServiceError(.forbidden, message, remedy: remedy)
    }
    public static func notFound(_ message: String, remedy: Remedy? = nil) -> ServiceError {
        ServiceError(.notFound, message, remedy: remedy)
    }
    public static func conflict(_ message: String) -> ServiceError { ServiceError(.conflict, message) }
    public static func periodNotOpen(_ message: String) -> ServiceError { ServiceError(.periodNotOpen, message) }
    public static func unauthenticated(_ message: String = "Please log in.") -> ServiceError {
        ServiceError(.unauthenticated, message)
    }

    /// A single-field validation error.
    public static func invalid(_ field: String, _ message: String) -> ServiceError {
        ServiceError(.invalid, "The input is invalid.", fieldErrors: [FieldError(field: field, message: message)])
    }

    /// Several validation errors at once.
    public static func invalid(_ errors: [FieldError]) -> ServiceError {
        ServiceError(.invalid, "The input is invalid.", fieldErrors: errors)
    }
}

/// Collects field errors so that one response lists every broken rule.
public struct Validation {
    public private(set) var errors: [ServiceError.FieldError] = []
    public init() {}

    public mutating func add(_ field: String, _ message: String) {
        errors.append(.init(field: field, message: message))
    }

    /// Adds an error unless `condition` holds.
    public mutating func require(_ condition: Bool, _ field: String, _ message: @autoclosure () -> String) {
        if !condition { add(field, message()) }
    }

    /// Throws `invalid` with every error collected, if any.
    public func check() throws {
        if !errors.isEmpty { throw ServiceError.invalid(errors) }
    }
}

extension ServiceError {
    /// Translates a database error that escaped the service's own checks into a service error.
    /// Constraint names map to fields; nothing of the server's message (which may quote values) leaks.
    static func from(_ error: any Error) -> any Error {
        if error is ServiceError || error is MigrationError { return error }
        guard let pg = error.postgresError else { return error }
        if let t = error as? PostgresTransactionError, t.stage == .commit, t.outcome == .unknown {
            return ServiceError(
                .outcomeUnknown,
                "The connection to the database broke while the change was being saved, and whether it was saved "
                    + "cannot be told. Reload and check before trying again.")
        }
        if pg.isConnectionFailure || pg.kind == .poolTimeout || pg.kind == .poolClosed || pg.kind == .deadlineExceeded {
            return ServiceError(.unavailable, "The database is unavailable. Try again shortly.")
        }
        // The one client-side refusal of a bound value: text with a NUL character, which PostgreSQL cannot hold.
        if pg.kind == .client {
            return ServiceError.invalid("input", "must not contain a NUL character")
        }
        switch pg.sqlState {
        case .uniqueViolation?:
            return ServiceError(.conflict, "That already exists\(pg.constraint.map { " (\($0))" } ?? "").")
        case .serializationFailure?, .deadlockDetected?, .lockNotAvailable?:
            return ServiceError(.conflict, "Someone else changed this at the same time. Reload and try again.")
        case .checkViolation?, .notNullViolation?, .foreignKeyViolation?, .invalidTextRepresentation?,
            .numericValueOutOfRange?:
            let field = pg.column ?? pg.constraint ?? "input"
            return ServiceError.invalid(
                field, "breaks the rule \(pg.constraint ?? pg.sqlState?.rawValue ?? "of the schema")")
        default:
            return error
        }
    }
}
