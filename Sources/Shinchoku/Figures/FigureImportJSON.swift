import LibPQ

/// The JSON a figure import keeps in the history and the audit trail, written directly: the same keys and values as
/// ``WorkflowJSON/encode(_:)`` writes for ``FigureContent`` and ``FigureAuditRecord`` (snake_case keys in sorted
/// order, decimals and dates as strings, absent optionals left out), without a `JSONEncoder` per payload, which is
/// most of a 10,000-row import's Swift time. Both go into `jsonb` columns, which keep the value, not the bytes.
enum FigureImportJSON {
    /// ``FigureContent``: `{"as_of":…,"note":…,"status":…,"value":…}`.
    static func content(_ c: FigureContent) -> RawJSON {
        var out = "{\"as_of\":\"\(c.asOf.description)\""
        if let note = c.note {
            out += ",\"note\":"
            appendString(note, to: &out)
        }
        out += ",\"status\":\"\(c.status.rawValue)\""
        if let value = c.value { out += ",\"value\":\"\(value.text)\"" }
        out += "}"
        return RawJSON(out)
    }

    /// ``FigureAuditRecord``: the content, `state`, `version` and `changed_since_approval`.
    static func auditRecord(
        _ c: FigureContent, state: WorkflowState, version: Int, changedSinceApproval: Bool
    ) -> RawJSON {
        var out = "{\"as_of\":\"\(c.asOf.description)\",\"changed_since_approval\":\(changedSinceApproval)"
        if let note = c.note {
            out += ",\"note\":"
            appendString(note, to: &out)
        }
        out += ",\"state\":\"\(state.rawValue)\",\"status\":\"\(c.status.rawValue)\""
        if let value = c.value { out += ",\"value\":\"\(value.text)\"" }
        out += ",\"version\":\(version)}"
        return RawJSON(out)
    }

    /// A JSON string: quotes, backslashes and control characters escaped (RFC 8259 §7), everything else as is.
    static func appendString(_ text: String, to out: inout String) {
        out.append("\"")
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case _ where scalar.value < 0x20:
                let hex = Array("0123456789abcdef")
                out.append("\\u00")
                out.append(hex[Int(scalar.value >> 4)])
                out.append(hex[Int(scalar.value & 0xf)])
            default: out.unicodeScalars.append(scalar)
            }
        }
        out.append("\"")
    }
}
