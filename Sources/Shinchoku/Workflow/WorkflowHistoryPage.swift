import Foundation
import LibPQ

/// One page of a figure's or a narrative's history (issue 12 §6: after many saves one unpaginated answer was
/// 945 kB). Steps come oldest first; pass ``nextCursor`` back for the page after this one.
///
/// The cursor is opaque to clients. It is the number of steps before the next page: the history is append-only
/// (`workflow_events` is never updated or deleted), so that position always means the same step.
public struct WorkflowHistoryPage: Sendable, Equatable {
    /// Steps per page when no limit is given.
    public static let defaultLimit = 100
    /// The most steps a page may hold.
    public static let maximumLimit = 500

    /// The steps of this page, oldest first.
    public var events: [WorkflowEventInfo]
    /// The page size asked for (or the default).
    public var limit: Int
    /// Nil on the last page.
    public var nextCursor: String?

    /// Where a page starts: `invalid` for the field `limit` outside 1…``maximumLimit`` and for the field
    /// `cursor` when it is no cursor this service gave.
    static func bounds(limit: Int?, cursor: String?) throws -> (offset: Int, limit: Int) {
        var v = Validation()
        let limit = limit ?? defaultLimit
        v.require((1...maximumLimit).contains(limit), "limit", "must be a whole number from 1 to \(maximumLimit)")
        var offset = 0
        if let cursor {
            let parsed = cursor.allSatisfy(\.isASCII) ? Int(cursor) : nil
            v.require(
                parsed.map { $0 >= 0 } ?? false, "cursor", "is not a cursor of this history; start again without one")
            offset = max(0, parsed ?? 0)
        }
        try v.check()
        return (offset, limit)
    }

    /// The page from `limit + 1` rows read at `offset`: the extra row only says that another page follows.
    init(rows: [WorkflowEventInfo], offset: Int, limit: Int) {
        events = Array(rows.prefix(limit))
        self.limit = limit
        nextCursor = rows.count > limit ? String(offset + limit) : nil
    }
}

extension ShinchokuService {
    /// A page of a figure's history, oldest first: at most `limit` steps (default
    /// ``WorkflowHistoryPage/defaultLimit``, at most ``WorkflowHistoryPage/maximumLimit``) after `cursor` (from the
    /// previous page; nil for the first). `invalid` for the fields `limit` and `cursor`; otherwise as
    /// ``figureHistory(period:indicator:as:)``.
    public func figureHistory(
        period: PeriodCode, indicator: String, limit: Int?, cursor: String?, as reader: ActorReference
    ) async throws -> WorkflowHistoryPage {
        let (offset, limit) = try WorkflowHistoryPage.bounds(limit: limit, cursor: cursor)
        let rows = try await figureHistory(
            period: period, indicator: indicator, page: (offset, limit + 1), as: reader)
        return WorkflowHistoryPage(rows: rows, offset: offset, limit: limit)
    }

    /// A page of a narrative's history, as ``figureHistory(period:indicator:limit:cursor:as:)``.
    public func narrativeHistory(
        period: PeriodCode, project: String, limit: Int?, cursor: String?, as reader: ActorReference
    ) async throws -> WorkflowHistoryPage {
        let (offset, limit) = try WorkflowHistoryPage.bounds(limit: limit, cursor: cursor)
        let rows = try await narrativeHistory(period: period, project: project, page: (offset, limit + 1), as: reader)
        return WorkflowHistoryPage(rows: rows, offset: offset, limit: limit)
    }
}
