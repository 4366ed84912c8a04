import Foundation
import LibPQ

extension ShinchokuService {
    /// Approves several submitted figures of one period, all or nothing. When any cannot be approved, nothing
    /// is, and the error lists every figure that failed (field: the indicator's code) with the reason; its code
    /// is that of the first failure in the list's order.
    public func bulkApprove(
        period: PeriodCode, items: [(indicator: String, version: Int)], comment: String? = nil,
        as reviewer: ActorReference
    ) async throws -> [FigureInfo] {
        try await perform(as: reviewer) { tx in
            try tx.require(.approver, to: "approve figures")
            guard !items.isEmpty else {
                throw ServiceError.invalid(
                    "items", "list at least one figure to approve", ja: "承認する実績値を一つ以上選んでください。")
            }
            let comment = try EnteredText.comment(comment)
            let window = try WorkflowGate.period(tx.connection, period, department: nil, lock: true)
            try WorkflowGate.requireReview(window)

            // Every figure is checked and locked before any is written. Locking in code order means two bulk
            // approvals of overlapping lists wait for each other instead of deadlocking.
            let order = items.indices.sorted { (items[$0].indicator, $0) < (items[$1].indicator, $1) }
            var seen = Set<String>()
            var ready: [(index: Int, indicator: IndicatorRef, figure: FigureRow)] = []
            var failures: [(index: Int, indicator: String, error: ServiceError)] = []
            for i in order {
                let item = items[i]
                do {
                    guard seen.insert(item.indicator).inserted else {
                        throw ServiceError.invalid(
                            item.indicator, "is listed twice", ja: "指標\(item.indicator)が二度選ばれています。一度だけ選んでください。")
                    }
                    let (ind, current) = try WorkflowGate.forReview(
                        FigureSubject.self, tx, .approve, code: item.indicator, period: period, version: item.version)
                    ready.append((i, ind, current))
                } catch let error as ServiceError {
                    failures.append((i, item.indicator, error))
                }
            }
            if !failures.isEmpty {
                failures.sort { $0.index < $1.index }
                let plural = items.count == 1 ? "figure was" : "figures were"
                throw ServiceError(
                    failures[0].error.code,
                    "None of the \(items.count) \(plural) approved: \(failures.count) cannot be approved.",
                    fieldErrors: failures.map { f in
                        let detail = f.error.fieldErrors.map(\.message).joined(separator: "; ")
                        return .init(field: f.indicator, message: detail.isEmpty ? f.error.message : detail)
                    })
            }
            var approved: [Int: FigureInfo] = [:]
            for r in ready {
                approved[r.index] = try WorkflowGate.transition(
                    FigureSubject.self, tx, .approve, r.indicator, period, r.figure,
                    comment: EnteredText.nonBlank(comment))
            }
            return items.indices.map { approved[$0]! }
        }
    }
}
