import LibPQ

/// A record the audit trail or the workflow history keeps, written straight to JSON bytes: the same bytes as
/// ``Audit/json(_:)``'s JSONEncoder gives (snake_case keys, sorted; absent optionals left out; no escaped slashes),
/// without its cost on every workflow step. A test holds the two to the same bytes.
protocol PayloadJSONEncodable: Encodable {
    /// Writes the record as one JSON object.
    func writeJSON(_ object: inout PayloadJSONObject)
}

extension PayloadJSONEncodable {
    /// The record's JSON bytes.
    func payloadJSON() -> [UInt8] {
        var object = PayloadJSONObject()
        object.out.reserveCapacity(256)
        writeJSON(&object)
        return object.finished()
    }
}

/// One JSON object being written. Fields must be written in the order of their keys (JSONEncoder's `sortedKeys`).
struct PayloadJSONObject {
    fileprivate(set) var out: [UInt8] = [UInt8(ascii: "{")]
    private var empty = true

    /// A string field; left out when nil.
    mutating func field(_ key: StaticString, _ value: String?) {
        guard let value else { return }
        name(key)
        PayloadJSONObject.writeString(value, into: &out)
    }

    mutating func field(_ key: StaticString, _ value: Int) {
        name(key)
        out.append(contentsOf: String(value).utf8)
    }

    mutating func field(_ key: StaticString, _ value: Bool) {
        name(key)
        out.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// A field whose value is another record's object.
    mutating func field(_ key: StaticString, _ value: some PayloadJSONEncodable) {
        name(key)
        var inner = PayloadJSONObject()
        value.writeJSON(&inner)
        out.append(contentsOf: inner.finished())
    }

    fileprivate func finished() -> [UInt8] { out + [UInt8(ascii: "}")] }

    private mutating func name(_ key: StaticString) {
        if !empty { out.append(UInt8(ascii: ",")) }
        empty = false
        out.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(contentsOf: "\":".utf8)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string as Foundation's JSONEncoder writes it: `"` and `\` escaped, the control characters as `\b`,
    /// `\f`, `\n`, `\r`, `\t` or `\u00XX`, everything else (slashes and non-ASCII text included) as its UTF-8 bytes.
    static func writeString(_ value: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0x00..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension FigureContent: PayloadJSONEncodable {
    func writeJSON(_ o: inout PayloadJSONObject) {
        o.field("as_of", asOf.description)
        o.field("note", note)
        o.field("status", status.rawValue)
        o.field("value", value?.text)
    }
}

extension NarrativeContent: PayloadJSONEncodable {
    func writeJSON(_ o: inout PayloadJSONObject) {
        o.field("outlook", outlook)
        o.field("outlook_hard", outlookHard)
        o.field("outlook_soft", outlookSoft)
        o.field("progress", progress)
        o.field("progress_hard", progressHard)
        o.field("progress_soft", progressSoft)
    }
}

extension FigureAuditRecord: PayloadJSONEncodable {
    func writeJSON(_ o: inout PayloadJSONObject) {
        o.field("as_of", asOf.description)
        o.field("changed_since_approval", changedSinceApproval)
        o.field("note", note)
        o.field("state", state.rawValue)
        o.field("status", status.rawValue)
        o.field("value", value?.text)
        o.field("version", version)
    }
}

extension NarrativeAuditRecord: PayloadJSONEncodable {
    func writeJSON(_ o: inout PayloadJSONObject) {
        o.field("changed_since_approval", changedSinceApproval)
        o.field("content", content)
        o.field("state", state.rawValue)
        o.field("version", version)
    }
}
