import LibPQ

/// The JSON a figure import keeps in the history and the audit trail: the bytes ``PayloadJSONEncodable`` writes for
/// ``FigureContent`` and ``FigureAuditRecord``, the same as a single save's, without a `JSONEncoder` per payload
/// (most of a 10,000-row import's Swift time).
enum FigureImportJSON {
    /// ``FigureContent``: `{"as_of":…,"note":…,"status":…,"value":…}`.
    static func content(_ c: FigureContent) -> RawJSON {
        RawJSON(String(decoding: c.payloadJSON(), as: UTF8.self))
    }

    /// ``FigureAuditRecord``: the content, `state`, `version` and `changed_since_approval`.
    static func auditRecord(
        _ c: FigureContent, state: WorkflowState, version: Int, changedSinceApproval: Bool
    ) -> RawJSON {
        let record = FigureAuditRecord(
            status: c.status, value: c.value, note: c.note, asOf: c.asOf, state: state, version: version,
            changedSinceApproval: changedSinceApproval)
        return RawJSON(String(decoding: record.payloadJSON(), as: UTF8.self))
    }
}
