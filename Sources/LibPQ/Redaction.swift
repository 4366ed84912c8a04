import Foundation

/// The passwords that connection settings carry, and their removal from any text that might quote them.
///
/// libpq quotes pieces of a connection string it cannot read: a password with an unencoded `/`, `@`, `:` or `#` in
/// a URL is misread as a port, a host or a database name and echoed back (`invalid integer value "Tr0ub4dor&3" for
/// connection option "port"`). So every message about a connection passes through ``redact(_:)``, which removes
/// - each whole password, from a URL's user information (up to its last `@`), a URL's `?password=`, a key=value
///   string's `password=`, the `password` keyword and `PGPASSWORD`;
/// - any `password=` value at all;
/// - every run of four or more characters that occurs in a password;
/// - every quoted value that holds a piece of a password (split where libpq splits: `@ / : ? # & = ,`, quotes and
///   blanks) at the edge of such a delimiter.
public struct ConnectionSecrets: Sendable {
    /// Whole passwords, longest first.
    let passwords: [String]
    /// The pieces of the passwords between delimiters.
    let pieces: [String]

    static let delimiters: Set<Character> = ["@", "/", ":", "?", "#", "&", "=", ",", "%", "'", "\"", "\\", " ", "\t"]
    static let marker = "[redacted]"

    public init(
        _ configuration: ConnectionConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        var found: [String] = []
        for (keyword, value) in configuration.parameters {
            if keyword == "password" {
                found.append(value)
            } else {
                found += Self.passwords(inConnectionString: value)
            }
        }
        if let p = environment["PGPASSWORD"] { found.append(p) }
        var unique: [String] = []
        for p in found + found.compactMap({ $0.removingPercentEncoding })
        where !p.isEmpty && !unique.contains(p) {
            unique.append(p)
        }
        passwords = unique.sorted { $0.count > $1.count }
        var pieces: [String] = []
        for p in unique {
            for piece in p.split(whereSeparator: { Self.delimiters.contains($0) || $0.isWhitespace })
            where !pieces.contains(String(piece)) {
                pieces.append(String(piece))
            }
        }
        self.pieces = pieces
    }

    /// Passwords a `postgresql://` URL or a key=value string may hold, read the way the user meant them rather than
    /// the way libpq reads a badly encoded one.
    static func passwords(inConnectionString text: String) -> [String] {
        var found: [String] = []
        let lower = text.lowercased()
        if let scheme = lower.range(of: "://"), lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://") {
            let rest = text[scheme.upperBound...]
            if let at = rest.lastIndex(of: "@") {
                let userinfo = rest[..<at]
                if let colon = userinfo.firstIndex(of: ":") {
                    found.append(String(userinfo[userinfo.index(after: colon)...]))
                }
            }
        }
        found += passwordValues(in: text)
        return found
    }

    /// Every value after `password=` (also `?password=` and `&password=` in a URL): quoted, up to the next
    /// `keyword=`, and up to the next blank or `&`.
    static func passwordValues(in text: String) -> [String] {
        var values: [String] = []
        let chars = Array(text)
        let key = Array("password")
        var i = 0
        while i + key.count <= chars.count {
            defer { i += 1 }
            guard String(chars[i..<i + key.count]).lowercased() == "password" else { continue }
            if i > 0, chars[i - 1].isLetter || chars[i - 1] == "_" { continue }
            var j = i + key.count
            while j < chars.count, chars[j] == " " { j += 1 }
            guard j < chars.count, chars[j] == "=" else { continue }
            j += 1
            while j < chars.count, chars[j] == " " { j += 1 }
            if j < chars.count, chars[j] == "'" {
                var value = ""
                var k = j + 1
                while k < chars.count, chars[k] != "'" {
                    if chars[k] == "\\", k + 1 < chars.count { k += 1 }
                    value.append(chars[k])
                    k += 1
                }
                values.append(value)
                continue
            }
            let tail = String(chars[j...])
            values.append(String(tail.prefix { !$0.isWhitespace && $0 != "&" }))
            // A password with an unquoted blank: everything up to the next `keyword=`.
            if let next = tail.range(of: #"\s+[A-Za-z_]+\s*="#, options: .regularExpression) {
                values.append(String(tail[..<next.lowerBound]))
            } else {
                values.append(tail.trimmingCharacters(in: .whitespaces))
            }
        }
        return values.filter { !$0.isEmpty }
    }

    /// The text with every password, and every piece of one, replaced by `[redacted]`.
    public func redact(_ text: String) -> String {
        var s = text
        for p in passwords { s = s.replacingOccurrences(of: p, with: Self.marker) }
        s = Self.redactPasswordAssignments(s)
        s = redactQuotedSpans(s)
        return redactFragments(s)
    }

    /// `password=anything` becomes `password=[redacted]`.
    static func redactPasswordAssignments(_ text: String) -> String {
        text.replacingOccurrences(
            of: #"(?i)(password\s*=\s*)('(\\.|[^'\\])*'?|[^\s&'"]+)"#, with: "$1\(marker)",
            options: .regularExpression)
    }

    /// A `"quoted"` value that holds a piece of a password at a delimiter's edge is replaced whole.
    func redactQuotedSpans(_ text: String) -> String {
        guard !pieces.isEmpty else { return text }
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "\"") {
            out += rest[...open]
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "\"") else {
                rest = rest[afterOpen...]
                break
            }
            let span = String(rest[afterOpen..<close])
            out += holdsPiece(span) ? Self.marker : span
            out += "\""
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    private func holdsPiece(_ span: String) -> Bool {
        guard span != Self.marker else { return false }
        for piece in pieces {
            if span == piece { return true }
            for d in Self.delimiters {
                if span.hasPrefix(piece + String(d)) || span.hasSuffix(String(d) + piece)
                    || span.contains(String(d) + piece + String(d))
                {
                    return true
                }
            }
        }
        return false
    }

    /// Every run of four or more characters that occurs in a password.
    func redactFragments(_ text: String) -> String {
        let candidates = passwords.map { Array($0) }.filter { $0.count >= 4 }
        guard !candidates.isEmpty else { return text }
        let chars = Array(text)
        var out = ""
        var i = 0
        while i < chars.count {
            var longest = 0
            for p in candidates {
                var length = min(p.count, chars.count - i)
                while length >= 4 {
                    if String(p).contains(String(chars[i..<i + length])) { break }
                    length -= 1
                }
                if length >= 4 { longest = max(longest, length) }
            }
            if longest > 0 {
                out += Self.marker
                i += longest
            } else {
                out.append(chars[i])
                i += 1
            }
        }
        return out
    }
}

extension ConnectionConfiguration {
    /// The text with every password these settings carry removed (see ``ConnectionSecrets``).
    public func redact(_ text: String) -> String { ConnectionSecrets(self).redact(text) }
}
