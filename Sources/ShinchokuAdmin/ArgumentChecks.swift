import ArgumentParser
import Shinchoku

/// Checks of argument text, for `validate()`: each failure says what to write instead.
enum ArgumentCheck {
    static func period(_ text: String, _ what: String = "period") throws -> PeriodCode {
        guard let code = PeriodCode(text), text.count == 6 else {
            throw ValidationError(
                "\"\(text)\" is not a \(what): write the fiscal year and the quarter, such as 2021Q1 (April–June 2021)."
            )
        }
        return code
    }

    static func date(_ text: String, _ option: String) throws -> CalendarDate {
        guard let date = CalendarDate(text) else {
            throw ValidationError(
                "\(option) \"\(text)\" is not a date: write year-month-day, such as 2021-07-31.")
        }
        return date
    }

    static func notBlank(_ text: String, _ option: String) throws {
        if text.allSatisfy(\.isWhitespace) { throw ValidationError("\(option) must not be empty.") }
    }
}

/// `--role`: the roles as ArgumentParser lists them in help and completions.
enum RoleArgument: String, ExpressibleByArgument, CaseIterable {
    case clerk, approver, admin

    var role: Role { Role(rawValue: rawValue)! }
}
