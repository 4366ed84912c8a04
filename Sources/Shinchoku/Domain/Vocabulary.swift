import Foundation
import LibPQ

public typealias CalendarDate = LibPQ.CalendarDate
public typealias ExactDecimal = LibPQ.ExactDecimal

/// A reporting period: one fiscal quarter. `2021Q1` is FY2021 (令和3年度) Q1, April to June 2021.
public struct PeriodCode: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// The fiscal year, which starts in April of the same calendar year.
    public let fiscalYear: Int
    /// 1...4: Q1 April–June, Q2 July–September, Q3 October–December, Q4 January–March of the next year.
    public let quarter: Int

    /// Creates a period; nil unless the quarter is 1...4 and the year is 1990...2200.
    public init?(fiscalYear: Int, quarter: Int) {
        guard (1...4).contains(quarter), (1990...2200).contains(fiscalYear) else { return nil }
        self.fiscalYear = fiscalYear
        self.quarter = quarter
    }

    /// Arithmetic on periods (next, previous, containing) may step past the range users may name;
    /// it must not trap there.
    private init(unchecked fiscalYear: Int, quarter: Int) {
        self.fiscalYear = fiscalYear
        self.quarter = quarter
    }

    /// Parses `2021Q1` (a lower-case q is accepted).
    public init?(_ text: some StringProtocol) {
        let s = text.uppercased()
        guard s.count == 6, s.dropFirst(4).first == "Q", let y = Int(s.prefix(4)), let q = Int(s.suffix(1))
        else { return nil }
        self.init(fiscalYear: y, quarter: q)
    }

    public var description: String { "\(fiscalYear)Q\(quarter)" }

    /// The first day of the quarter.
    public var startDate: CalendarDate {
        let month = (quarter - 1) * 3 + 4
        return month > 12
            ? CalendarDate(year: fiscalYear + 1, month: month - 12, day: 1)!
            : CalendarDate(year: fiscalYear, month: month, day: 1)!
    }

    /// The last day of the quarter. Computed directly, not from ``next``, which 2200Q4 does not have.
    public var endDate: CalendarDate {
        switch quarter {
        case 1: CalendarDate(year: fiscalYear, month: 6, day: 30)!
        case 2: CalendarDate(year: fiscalYear, month: 9, day: 30)!
        case 3: CalendarDate(year: fiscalYear, month: 12, day: 31)!
        default: CalendarDate(year: fiscalYear + 1, month: 3, day: 31)!
        }
    }

    /// The quarter after this one.
    public var next: PeriodCode {
        quarter == 4
            ? PeriodCode(unchecked: fiscalYear + 1, quarter: 1)
            : PeriodCode(unchecked: fiscalYear, quarter: quarter + 1)
    }

    /// The quarter before this one.
    public var previous: PeriodCode {
        quarter == 1
            ? PeriodCode(unchecked: fiscalYear - 1, quarter: 4)
            : PeriodCode(unchecked: fiscalYear, quarter: quarter - 1)
    }

    /// A running quarter number, so that differences count quarters.
    public var ordinal: Int { fiscalYear * 4 + quarter - 1 }

    /// The period containing a date.
    public static func containing(_ date: CalendarDate) -> PeriodCode {
        let fy = date.month >= 4 ? date.year : date.year - 1
        let q = date.month >= 4 ? (date.month - 4) / 3 + 1 : 4
        return PeriodCode(unchecked: fy, quarter: q)
    }

    public static func < (lhs: PeriodCode, rhs: PeriodCode) -> Bool { lhs.ordinal < rhs.ordinal }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let p = PeriodCode(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "expected a period such as 2021Q1"))
        }
        self = p
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// The role of an account.
public enum Role: String, Sendable, Codable, CaseIterable {
    /// Enters and submits figures for its own department's projects.
    case clerk
    /// The planning division: reviews submissions.
    case approver
    /// Manages accounts, departments, ownership and periods.
    case admin
}

/// How an indicator's figures accumulate.
public enum MeasureKind: String, Sendable, Codable, CaseIterable {
    /// 累計: a running total since before the plan.
    case cumulative
    /// "／３年": a total counted over the plan years, reported as a running total since the plan began.
    case periodSum = "period_sum"
    /// A current level, such as a rate.
    case level
}

/// What sort of number an indicator's figure is; decides validation.
public enum ValueType: String, Sendable, Codable, CaseIterable {
    /// A non-negative whole number (件, 回, 箇所, 人).
    case count
    /// A percentage between 0 and 100.
    case rate
    /// A non-negative amount with decimals (km, 億円).
    case quantity
}

/// Whether a higher or a lower figure is better.
public enum Direction: String, Sendable, Codable, CaseIterable {
    case increase
    case decrease
}

/// How a target is to be met: reach it, or 以上 / 以下.
public enum TargetQualifier: String, Sendable, Codable, CaseIterable {
    /// 以上
    case atLeast = "at_least"
    /// 以下
    case atMost = "at_most"

    /// The Japanese word printed after the target.
    public var japanese: String { self == .atLeast ? "以上" : "以下" }
}

/// What a figure says: a value, or why there is none.
public enum FigureStatus: String, Sendable, Codable, CaseIterable {
    /// A value was reported.
    case reported
    /// 未公表: the source has not published it yet.
    case notPublished = "not_published"
    /// －: not available.
    case notAvailable = "not_available"
}

/// Where a figure or narrative is in review.
public enum WorkflowState: String, Sendable, Codable, CaseIterable {
    case draft
    case submitted
    case approved
    case returned
}

/// The lifecycle of a reporting period.
public enum PeriodState: String, Sendable, Codable, CaseIterable {
    case planned
    case open
    case closed
    case locked
}

// Columns of these types decode by type and bind as parameters: `row.decode(WorkflowState.self)`, `\(period)`.
extension PeriodCode: PostgresCodable {
    public static var postgresTypeOID: UInt32 { 0 }
    public var postgresText: String? { description }

    public static func decode(text: String, column: PostgresColumn) throws -> PeriodCode {
        guard let code = PeriodCode(text) else {
            throw PostgresError(
                kind: .decoding, message: "column \"\(column.name)\" (index \(column.index)) is not a period code")
        }
        return code
    }
}

extension Role: PostgresCodable {}
extension MeasureKind: PostgresCodable {}
extension ValueType: PostgresCodable {}
extension Direction: PostgresCodable {}
extension TargetQualifier: PostgresCodable {}
extension FigureStatus: PostgresCodable {}
extension WorkflowState: PostgresCodable {}
extension PeriodState: PostgresCodable {}
