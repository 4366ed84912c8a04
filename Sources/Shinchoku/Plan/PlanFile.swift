import Foundation
import LibPQ

/// The readable plan data file (`sql/plan/*.json`, format `shinchoku-plan/1`): departments, programs,
/// projects and their indicators, as the prefecture's report prints them.
public struct PlanFile: Codable, Sendable, Equatable {
    public var format: String
    public var title: String
    public var planStartFiscalYear: Int
    public var departments: [Department]
    public var programs: [Program]
    public var projects: [Project]

    public struct Department: Codable, Sendable, Equatable {
        public var code: String
        public var name: String
        /// The planning division, which reviews submissions.
        public var approving: Bool
    }

    public struct Program: Codable, Sendable, Equatable {
        public var code: String
        public var name: String
    }

    public struct Project: Codable, Sendable, Equatable {
        /// The plan number, e.g. `1-1`, `5-2`, `9`.
        public var code: String
        public var program: String
        public var title: String
        /// The text printed inside 〔〕.
        public var subtitle: String
        public var department: String
        public var overview: [String]
        public var mainInitiatives: [String]
        /// As printed, e.g. `【取組目標（指標）2023年度】`.
        public var targetHeading: String
        public var indicators: [Indicator]
    }

    public struct Indicator: Codable, Sendable, Equatable {
        /// `<project>.<n>`, e.g. `1-3.2`.
        public var code: String
        /// As printed in the 指標（実績値／目標値） block.
        public var name: String
        /// As printed in the 取組目標 block.
        public var targetLabel: String
        public var unit: String
        /// Set where the actual is printed with another unit than the target (名 against 人).
        public var actualUnit: String?
        public var kind: MeasureKind
        public var valueType: ValueType
        public var direction: Direction
        public var decimals: Int
        public var baseline: ExactDecimal?
        public var baselineAsOf: CalendarDate?
        /// Set where the printed as-of differs from the derived one (令和元年度 rather than 令和元年度末).
        public var baselineLabel: String?
        public var target: ExactDecimal
        public var targetFiscalYear: Int
        public var targetQualifier: TargetQualifier?
        /// Printed in brackets after the target in the actual line, e.g. `目標`.
        public var targetNote: String?
    }
}

/// The figures and narratives the prefecture's report printed (`sql/plan/*-actuals.json`, format `shinchoku-actuals/1`).
public struct ActualsFile: Codable, Sendable, Equatable {
    public var format: String
    public var figures: [Figure]
    public var narratives: [Narrative]

    public struct Figure: Codable, Sendable, Equatable {
        public var indicator: String
        public var period: PeriodCode
        public var asOf: CalendarDate
        public var status: FigureStatus
        public var value: ExactDecimal?
        public var note: String?
    }

    public struct Narrative: Codable, Sendable, Equatable {
        public var project: String
        public var period: PeriodCode
        public var progress: String?
        public var progressHard: String?
        public var progressSoft: String?
        public var outlook: String?
        public var outlookHard: String?
        public var outlookSoft: String?
    }
}

extension JSONDecoder {
    /// The decoder for Shinchoku's data files and API: snake_case keys.
    public static var shinchoku: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        d.dateDecodingStrategy = .iso8601
        return d
    }
}

extension JSONEncoder {
    /// The encoder for Shinchoku's data files and API: snake_case keys, sorted, deterministic.
    public static var shinchoku: JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // Timestamps as ISO 8601 strings (UTC), never seconds since 2001.
        e.dateEncodingStrategy = .iso8601
        return e
    }
}

extension PlanFile {
    /// The bundled plan of Yamaguchi Prefecture's industrial strategy.
    public static func bundled() throws -> PlanFile {
        let url = ShinchokuSQLResources.planDirectory.appendingPathComponent("yamaguchi-2021.json")
        return try JSONDecoder.shinchoku.decode(PlanFile.self, from: Data(contentsOf: url))
    }
}

extension ActualsFile {
    /// The figures and narratives printed in the prefecture's FY2021 Q1 report.
    public static func bundled() throws -> ActualsFile {
        let url = ShinchokuSQLResources.planDirectory.appendingPathComponent("yamaguchi-2021-actuals.json")
        return try JSONDecoder.shinchoku.decode(ActualsFile.self, from: Data(contentsOf: url))
    }
}
