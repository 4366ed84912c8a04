import Foundation

/// One plain-text mail in Japanese, as RFC 5322 text: ASCII headers, the subject as RFC 2047 encoded-words, the body
/// UTF-8 in base64. CRLF line ends throughout.
public struct MailMessage: Sendable, Equatable {
    public var from: String
    public var to: String
    public var subject: String
    public var body: String
    /// `<notification-ID@host>`, the same at every attempt.
    public var messageID: String
    public var date: Date

    public init(from: String, to: String, subject: String, body: String, messageID: String, date: Date) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.messageID = messageID
        self.date = date
    }

    /// The message as sent: headers, a blank line, the base64 body in lines of 76 characters.
    public var rendered: String {
        var lines = [
            "Date: \(Self.rfc5322Date(date))",
            "From: \(from)",
            "To: \(to)",
            "Subject: " + Self.encodedWords(subject).joined(separator: "\r\n "),
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: base64",
            "",
        ]
        let encoded = Data(body.utf8).base64EncodedString()
        var start = encoded.startIndex
        while start < encoded.endIndex {
            let end = encoded.index(start, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[start..<end]))
            start = end
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The most UTF-8 bytes one encoded-word carries: 39 bytes are 52 base64 characters, so a word
    /// (`=?UTF-8?B?…?=`) is 64 characters and a folded header line, with its leading space or `Subject: `, stays
    /// under 76 (RFC 2047 §2 allows a word 75).
    static let bytesPerWord = 39

    /// `text` as RFC 2047 encoded-words (UTF-8, B encoding), split between characters, never inside one: each word
    /// decodes to whole characters. An empty text is one empty word.
    public static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        func flush() {
            words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
            chunk = []
        }
        for character in text {
            // Line breaks have no place in a header.
            let bytes = Array((character.isNewline ? " " : String(character)).utf8)
            if !chunk.isEmpty && chunk.count + bytes.count > bytesPerWord { flush() }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { flush() }
        return words
    }

    /// RFC 5322 §3.3: `Mon, 30 Nov 2026 11:14:31 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }
}
