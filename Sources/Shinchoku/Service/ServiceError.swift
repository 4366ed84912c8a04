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

    /// One broken rule: the field at fault and a sentence a clerk understands, in English (`message`, what the API
    /// and the CLI print) and in Japanese (`ja`, what the web screens show), both built where the rule lives.
    /// The JSON shape is `{field, message}`: `ja` is never encoded, and equality is by that shape.
    public struct FieldError: Equatable, Sendable, Codable {
        public var field: String
        public var message: String
        /// The same sentence in Japanese, for the screens (です・ます調, saying how to fix it); nil where none was
        /// written yet.
        public var ja: String? = nil
        public init(field: String, message: String, ja: String? = nil) {
            self.field = field
            self.message = message
            self.ja = ja
        }

        private enum CodingKeys: String, CodingKey { case field, message }

        public static func == (a: FieldError, b: FieldError) -> Bool { a.field == b.field && a.message == b.message }
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
    /// `message` in Japanese, for the screens; nil where none was written. Not part of equality or of the API.
    public var ja: String?
    public var fieldErrors: [FieldError]
    /// Seconds to wait, for `throttled`.
    public var retryAfterSeconds: Int?
    /// What the caller can do, where the service knows it.
    public var remedy: Remedy?

    public init(
        _ code: Code, _ message: String, ja: String? = nil, fieldErrors: [FieldError] = [],
        retryAfterSeconds: Int? = nil, remedy: Remedy? = nil
    ) {
        self.code = code
        self.message = message
        self.ja = ja
        self.fieldErrors = fieldErrors
        self.retryAfterSeconds = retryAfterSeconds
        self.remedy = remedy
    }

    public static func == (a: ServiceError, b: ServiceError) -> Bool {
        a.code == b.code && a.message == b.message && a.fieldErrors == b.fieldErrors
            && a.retryAfterSeconds == b.retryAfterSeconds && a.remedy == b.remedy
    }

    public var description: String {
        if fieldErrors.isEmpty { return message }
        return message + " " + fieldErrors.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
    }

    public static func forbidden(_ message: String, ja: String? = nil, remedy: Remedy? = nil) -> ServiceError {
        ServiceError(.forbidden, message, ja: ja, remedy: remedy)
    }
    public static func notFound(_ message: String, ja: String? = nil, remedy: Remedy? = nil) -> ServiceError {
        ServiceError(.notFound, message, ja: ja, remedy: remedy)
    }
    public static func conflict(_ message: String, ja: String? = nil) -> ServiceError {
        ServiceError(.conflict, message, ja: ja)
    }
    public static func periodNotOpen(_ message: String, ja: String? = nil) -> ServiceError {
        ServiceError(.periodNotOpen, message, ja: ja)
    }
    public static func unauthenticated(_ message: String = "Please log in.") -> ServiceError {
        ServiceError(.unauthenticated, message)
    }

    /// A single-field validation error, with its Japanese text for the screens.
    public static func invalid(_ field: String, _ message: String, ja: String? = nil) -> ServiceError {
        invalid([FieldError(field: field, message: message, ja: ja)])
    }

    /// Several validation errors at once.
    public static func invalid(_ errors: [FieldError]) -> ServiceError {
        ServiceError(.invalid, "The input is invalid.", ja: "入力内容に誤りがあります。", fieldErrors: errors)
    }
}

/// A broken rule's sentence, in English (the API's and the CLI's) and in Japanese (the screens'), for rules whose
/// sentence is built apart from the field it is about (typed text, passwords).
public struct RuleText: Equatable, Sendable {
    public var message: String
    public var ja: String
    public init(_ message: String, ja: String) {
        self.message = message
        self.ja = ja
    }
}

/// Collects field errors so that one response lists every broken rule.
public struct Validation {
    public private(set) var errors: [ServiceError.FieldError] = []
    public init() {}

    /// Adds an error: `message` in English (the API's, the CLI's), `ja` in Japanese (the screens').
    public mutating func add(_ field: String, _ message: String, ja: String? = nil) {
        errors.append(.init(field: field, message: message, ja: ja))
    }

    /// Adds an error whose sentence was built elsewhere.
    public mutating func add(_ field: String, _ text: RuleText) {
        add(field, text.message, ja: text.ja)
    }

    /// Adds an error unless `condition` holds.
    public mutating func require(
        _ condition: Bool, _ field: String, _ message: @autoclosure () -> String,
        ja: @autoclosure () -> String? = nil
    ) {
        if !condition { add(field, message(), ja: ja()) }
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
                    + "cannot be told. Reload and check before trying again.",
                ja: "保存の途中でデータベースとの接続が切れたため、保存されたかどうか分かりません。"
                    + "画面を再読み込みして保存されたか確かめてから、もう一度操作してください。")
        }
        if pg.isConnectionFailure || pg.kind == .poolTimeout || pg.kind == .poolClosed || pg.kind == .deadlineExceeded {
            return ServiceError(
                .unavailable, "The database is unavailable. Try again shortly.",
                ja: "データベースに接続できません。しばらくしてから、もう一度操作してください。")
        }
        // The one client-side refusal of a bound value: text with a NUL character, which PostgreSQL cannot hold.
        if pg.kind == .client {
            return ServiceError.invalid(
                "input", "must not contain a NUL character", ja: "NUL文字（U+0000）は使えません。取り除いてから入力し直してください。")
        }
        switch pg.sqlState {
        case .uniqueViolation?:
            return ServiceError(
                .conflict, "That already exists\(pg.constraint.map { " (\($0))" } ?? "").",
                ja: "既に登録されています\(pg.constraint.map { "（\($0)）" } ?? "")。内容を確かめてください。")
        case .serializationFailure?, .deadlockDetected?, .lockNotAvailable?:
            return ServiceError(
                .conflict, "Someone else changed this at the same time. Reload and try again.",
                ja: "同時に他の人が変更しました。画面を再読み込みして、もう一度操作してください。")
        case .checkViolation?, .notNullViolation?, .foreignKeyViolation?, .invalidTextRepresentation?,
            .numericValueOutOfRange?:
            let field = pg.column ?? pg.constraint ?? "input"
            let rule = pg.constraint ?? pg.sqlState?.rawValue
            return ServiceError.invalid(
                field, "breaks the rule \(rule ?? "of the schema")",
                ja: "データベースの規則\(rule.map { "（\($0)）" } ?? "")に合いません。入力内容を確かめてください。")
        case .insufficientPrivilege?:
            // Row-level security, a guard trigger or a missing grant (sql/migrations/0005_roles_and_rls.sql): the
            // database itself refused what the service let through. Its message names the rule, never a value.
            return ServiceError.forbidden(
                "The database refused the change: \(pg.message ?? "insufficient privilege").",
                ja: "データベースがこの変更を拒否しました（権限の規則）。操作する人と対象を確かめてください。")
        default:
            return error
        }
    }
}
