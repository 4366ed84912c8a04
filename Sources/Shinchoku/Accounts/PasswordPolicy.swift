import Foundation
import ShinchokuSQL

/// The rules a new password must meet, after OWASP ASVS 5.0 V6 (password security):
/// - at least ``minimumLength`` characters (6.2.1), counted as people count them (grapheme clusters);
/// - at most ``maximumBytes`` bytes of UTF-8, because bcrypt reads no more and would silently ignore the rest; the
///   message says what that means in characters;
/// - not the account's login or display name (6.2.11, context-specific words), compared ignoring case and blanks;
/// - not one of the 10,000 most common passwords (6.2.4), compared in lower case; the list ships as data
///   (`sql/passwords/common-passwords.txt`, see its `SOURCE.md`);
/// - no NUL character (bcrypt takes a C string: everything after it would be ignored).
///
/// Nothing else is required: no composition rules (6.2.5), since length is what makes a password strong.
public enum PasswordPolicy {
    /// The shortest password accepted, in characters.
    public static let minimumLength = 12
    /// bcrypt reads at most 72 bytes of the password.
    public static let maximumBytes = 72

    /// A sentence for each rule the password breaks; empty when it may be set. `login` and `displayName` are the
    /// account's, for the context-specific check.
    public static func problems(_ password: String, login: String, displayName: String) -> [String] {
        refusals(password, login: login, displayName: displayName).map(\.message)
    }

    /// ``problems(_:login:displayName:)`` in English and in Japanese (for the screens).
    public static func refusals(_ password: String, login: String, displayName: String) -> [RuleText] {
        var problems: [RuleText] = []
        let characters = password.count
        if characters < minimumLength {
            problems.append(
                RuleText(
                    "must be at least \(minimumLength) characters (it has \(characters))",
                    ja: "パスワードは\(minimumLength)文字以上にしてください（いまは\(characters)文字です）。"
                        + "覚えやすい言葉をいくつか並べると、長くても覚えられます。"))
        }
        let bytes = password.utf8.count
        if bytes > maximumBytes {
            problems.append(
                RuleText(
                    "must be at most \(maximumBytes) bytes in UTF-8, which is 72 letters, digits or symbols of ASCII, "
                        + "or 24 Japanese characters (3 bytes each); this one has \(characters) characters taking "
                        + "\(bytes) bytes",
                    ja: "パスワードが長すぎます。半角英数字・記号なら72文字まで、日本語なら24文字までにしてください"
                        + "（いまは\(characters)文字で\(bytes)バイトあり、上限は\(maximumBytes)バイトです）。"))
        }
        if password.utf8.contains(0) {
            problems.append(
                RuleText(
                    "must not contain a NUL character",
                    ja: "パスワードにNUL文字（U+0000）は使えません。取り除いてから入力し直してください。"))
        }
        let folded = fold(password)
        if !folded.isEmpty && (folded == fold(login) || folded == fold(displayName)) {
            problems.append(
                RuleText(
                    "must not be the account's login or name",
                    ja: "ログインIDや氏名と同じパスワードは使えません。別のパスワードにしてください。"))
        }
        if isCommon(password) {
            problems.append(
                RuleText(
                    "is one of the 10,000 most common passwords; choose one nobody would guess",
                    ja: "このパスワードはよく使われるもの（上位1万件）に含まれています。他の人に推測されないものにしてください。"))
        }
        return problems
    }

    /// Whether the password, in lower case, is on the shipped list of common passwords.
    public static func isCommon(_ password: String) -> Bool {
        commonPasswords.contains(password.lowercased())
    }

    /// Lower case, without blanks: `Yamada Hanako` and `yamadahanako` are the same word here.
    private static func fold(_ text: String) -> String {
        String(text.lowercased().unicodeScalars.filter { !$0.properties.isWhitespace })
    }

    /// The shipped list, read once. A missing resource is a broken build: nothing would be checked, so it traps.
    static let commonPasswords: Set<String> = {
        guard let text = try? String(contentsOf: ShinchokuSQL.commonPasswordsFile, encoding: .utf8) else {
            preconditionFailure("the common-password list is missing from the ShinchokuSQL resources")
        }
        return Set(text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init))
    }()
}
