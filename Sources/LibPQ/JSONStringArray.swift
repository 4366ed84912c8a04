/// The commonest JSON column, an array of strings (`["a", "b"]`, as jsonb prints it), read straight from its UTF-8
/// bytes: `PostgresJSON<[String]>` decodes through here before JSONDecoder, which costs tens of microseconds a value
/// (a report of 1,400 projects decodes 2,800 such arrays).
///
/// Parses RFC 8259 arrays of strings: whitespace, the two-character escapes and `\uXXXX` of one UTF-16 unit. Returns
/// nil for anything else (another JSON shape, a surrogate pair, a malformed document), so that JSONDecoder decides
/// and reports it exactly as before.
enum JSONStringArray {
    static func parse(_ text: String) -> [String]? {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    static func parse(bytes buf: UnsafeBufferPointer<UInt8>) -> [String]? {
        let n = buf.count
        var i = 0
        func skipSpace() {
            while i < n, buf[i] == 0x20 || buf[i] == 0x0A || buf[i] == 0x0D || buf[i] == 0x09 { i += 1 }
        }
        func hex(_ b: UInt8) -> UInt32? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b - UInt8(ascii: "A") + 10)
            default: nil
            }
        }
        skipSpace()
        guard i < n, buf[i] == UInt8(ascii: "[") else { return nil }
        i += 1
        skipSpace()
        var result: [String] = []
        if i < n, buf[i] == UInt8(ascii: "]") {
            i += 1
            skipSpace()
            return i == n ? result : nil
        }
        while true {
            guard i < n, buf[i] == UInt8(ascii: "\"") else { return nil }
            i += 1
            var start = i
            var unescaped: [UInt8] = []  // the bytes before `start`, once the string has had an escape
            var escaped = false
            while true {
                guard i < n else { return nil }
                let b = buf[i]
                if b == UInt8(ascii: "\"") { break }
                if b < 0x20 { return nil }
                guard b == UInt8(ascii: "\\") else {
                    i += 1
                    continue
                }
                escaped = true
                unescaped.append(contentsOf: buf[start..<i])
                i += 1
                guard i < n else { return nil }
                switch buf[i] {
                case UInt8(ascii: "\""): unescaped.append(0x22)
                case UInt8(ascii: "\\"): unescaped.append(0x5C)
                case UInt8(ascii: "/"): unescaped.append(0x2F)
                case UInt8(ascii: "b"): unescaped.append(0x08)
                case UInt8(ascii: "f"): unescaped.append(0x0C)
                case UInt8(ascii: "n"): unescaped.append(0x0A)
                case UInt8(ascii: "r"): unescaped.append(0x0D)
                case UInt8(ascii: "t"): unescaped.append(0x09)
                case UInt8(ascii: "u"):
                    guard i + 4 < n, let a = hex(buf[i + 1]), let b = hex(buf[i + 2]), let c = hex(buf[i + 3]),
                        let d = hex(buf[i + 4]), let scalar = Unicode.Scalar(a << 12 | b << 8 | c << 4 | d)
                    else { return nil }  // a surrogate (half of a pair) is no scalar: JSONDecoder's case
                    unescaped.append(contentsOf: String(Character(scalar)).utf8)
                    i += 4
                default: return nil
                }
                i += 1
                start = i
            }
            if escaped {
                unescaped.append(contentsOf: buf[start..<i])
                result.append(String(decoding: unescaped, as: UTF8.self))
            } else {
                result.append(String(decoding: UnsafeBufferPointer(rebasing: buf[start..<i]), as: UTF8.self))
            }
            i += 1
            skipSpace()
            guard i < n else { return nil }
            if buf[i] == UInt8(ascii: ",") {
                i += 1
                skipSpace()
                continue
            }
            guard buf[i] == UInt8(ascii: "]") else { return nil }
            i += 1
            skipSpace()
            return i == n ? result : nil
        }
    }
}
