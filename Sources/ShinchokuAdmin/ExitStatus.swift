import ArgumentParser
import Foundation
import LibPQ
import Shinchoku

/// The exit statuses of `shinchoku-admin`, from BSD's sysexits.h where one fits.
public enum AdminExitStatus: Int32, Sendable, CaseIterable {
    /// Done.
    case success = 0
    /// Anything else: something named does not exist, a conflict with the current state, a server error.
    case failure = 1
    /// EX_USAGE: bad arguments or options.
    case usage = 64
    /// EX_DATAERR: the input broke a rule (a bad figure, CSV or plan file).
    case invalidData = 65
    /// EX_NOINPUT: an input file does not exist or cannot be read.
    case noInput = 66
    /// EX_UNAVAILABLE: the database cannot be reached.
    case unavailable = 69
    /// EX_CANTCREAT: an output file cannot be written.
    case cannotCreate = 73
    /// EX_TEMPFAIL: try again later (too many failed logins).
    case temporaryFailure = 75
    /// EX_NOPERM: the acting account may not do this, or `--as` names no usable account.
    case forbidden = 77
}

/// An error found by the CLI itself rather than the service: a file it cannot read or write, a CSV it
/// cannot parse, a database it cannot reach.
struct AdminError: Error, CustomStringConvertible {
    var status: AdminExitStatus
    /// One sentence.
    var message: String
    /// One line each, such as the bad rows of a CSV file.
    var details: [String] = []

    var description: String { ([message] + details).joined(separator: "\n") }

    static func invalidData(_ message: String, details: [String] = []) -> AdminError {
        AdminError(status: .invalidData, message: message, details: details)
    }

    static func noInput(_ path: String, _ reason: String? = nil) -> AdminError {
        AdminError(status: .noInput, message: "Cannot read \(path)\(reason.map { ": \($0)" } ?? "").")
    }

    static func cannotCreate(_ path: String, _ reason: String? = nil) -> AdminError {
        AdminError(status: .cannotCreate, message: "Cannot write \(path)\(reason.map { ": \($0)" } ?? "").")
    }
}

/// What to tell the user about an error, and the exit status: the one place errors become exit codes.
struct ErrorReport {
    var status: AdminExitStatus
    /// The lines to print on standard error.
    var lines: [String]

    init(status: AdminExitStatus, lines: [String]) {
        self.status = status
        self.lines = lines
    }

    init(_ error: any Error) {
        switch error {
        case let e as AdminError:
            self.init(status: e.status, lines: ["Error: \(e.message)"] + e.details.map { "  \($0)" })
        case let e as ServiceError:
            self.init(
                status: Self.status(of: e.code),
                lines: ["Error: \(Self.message(of: e))"] + e.fieldErrors.map { "  \($0.field): \($0.message)" })
        case let e as MigrationError:
            if case .needsOwner = e {
                self.init(status: .forbidden, lines: ["Error: \(Self.sentence(e.description))"])
            } else {
                self.init(status: .failure, lines: ["Error: \(Self.sentence(e.description))"])
            }
        default:
            if let pg = error.postgresError {
                if pg.isConnectionFailure || pg.kind == .poolTimeout || pg.kind == .poolClosed {
                    self.init(status: .unavailable, lines: ["Error: \(Self.unavailableMessage(pg))"])
                } else {
                    // `description` names the SQLSTATE and constraint but no values.
                    self.init(status: .failure, lines: ["Error: The database refused the request (\(pg))."])
                }
            } else {
                self.init(status: .failure, lines: ["Error: \(Self.sentence(String(describing: error)))"])
            }
        }
    }

    /// The service's message, with the CLI's own hint where the service names a remedy: the service names no
    /// flags or commands, since HTTP clients read its messages too.
    static func message(of error: ServiceError) -> String {
        let message = error.message
        let sentence = message.hasSuffix(".") ? String(message.dropLast()) : message
        switch error.remedy {
        case .nameActingUser?:
            return sentence + " with --as LOGIN."
        case .createFirstAdmin?:
            return "The database has no admin yet: create one first (user create --role admin); only that is allowed"
                + " without --as."
        case .firstAccountIsAdmin?:
            return sentence + " (user create --role admin)."
        case .actAsExistingAdmin?:
            return "This database has its own admins; run demo-data with --as LOGIN (an admin account), or use an"
                + " empty database."
        case .importPlan?:
            return message + " Run: shinchoku-admin plan import"
        case nil:
            return message
        }
    }

    static func status(of code: ServiceError.Code) -> AdminExitStatus {
        switch code {
        case .invalid: .invalidData
        case .unavailable, .outcomeUnknown: .unavailable
        case .forbidden, .unauthenticated: .forbidden
        case .throttled: .temporaryFailure
        default: .failure
        }
    }

    /// libpq's reason (connection refused, no such database, authentication failed) is what an operator
    /// needs; it names the host but never the password.
    static func unavailableMessage(_ pg: PostgresError) -> String {
        let reason = (pg.message ?? "")
            .split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
        let hint = "check --database-url, DATABASE_URL or the PG* variables"
        return reason.isEmpty
            ? "The database is unavailable; \(hint)."
            : "The database is unavailable (\(reason)); \(hint)."
    }

    static func sentence(_ text: String) -> String {
        guard let first = text.first else { return "Something went wrong." }
        let capitalised = first.uppercased() + text.dropFirst()
        return capitalised.hasSuffix(".") ? capitalised : capitalised + "."
    }
}
