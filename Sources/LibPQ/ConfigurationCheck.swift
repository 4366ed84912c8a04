import CLibPQ
import Foundation

extension PostgresError.Kind {
    /// The connection settings cannot be read (a malformed URL, a port that is no number).
    public static let invalidConfiguration = PostgresError.Kind(rawValue: "invalid_configuration")
}

extension ConnectionConfiguration {
    /// Checks without connecting that libpq can read these settings: every URL or key=value string parses, and every
    /// port is a number from 1 to 65535. Throws an `invalidConfiguration` error whose message has the passwords
    /// removed (see ``ConnectionSecrets``), so that a server can refuse to start on settings it could never use.
    public func validate() throws {
        for (keyword, value) in parameters {
            if keyword == "dbname", Self.isConnectionString(value) {
                try Self.parse(value, redactingWith: self)
            } else if keyword == "port" {
                try Self.checkPorts(value, redactingWith: self)
            }
        }
    }

    /// Whether libpq expands a `dbname` value as a connection string (`expand_dbname`).
    static func isConnectionString(_ value: String) -> Bool {
        let lower = value.lowercased()
        return lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://") || value.contains("=")
    }

    private static func parse(_ text: String, redactingWith configuration: ConnectionConfiguration) throws {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(text, &error) else {
            let reason = error.map { String(cString: $0).trimmed } ?? "it cannot be read"
            if let error { PQfreemem(error) }
            throw PostgresError(
                kind: .invalidConfiguration,
                message: configuration.redact("the database URL cannot be read: \(reason)"))
        }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "port", let value = option.pointee.val {
                try checkPorts(String(cString: value), redactingWith: configuration)
            }
            option += 1
        }
    }

    private static func checkPorts(_ text: String, redactingWith configuration: ConnectionConfiguration) throws {
        for port in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = port.trimmingCharacters(in: .whitespaces)
            guard trimmed.isEmpty || Int(trimmed).map({ (1...65535).contains($0) }) == true else {
                throw PostgresError(
                    kind: .invalidConfiguration,
                    message: configuration.redact(
                        "the database URL cannot be read: the port \"\(trimmed)\" is not a number from 1 to 65535"
                            + " (is a password with / @ : # or % not percent-encoded?)"))
            }
        }
    }
}
