import CCurl
import Foundation
import LibPQ

/// How one delivery attempt ended.
public enum SMTPOutcome: Sendable, Equatable {
    case sent
    /// A 4xx reply, or no answer at all (refused, timed out): try again later.
    case temporary(String)
    /// A 5xx reply: the server will not take this message; do not try again.
    case permanent(String)
}

/// Sends mail through libcurl's SMTP to the server of one `smtp://host:port` URL.
///
/// curl's transfer blocks, so it runs on this transport's own thread (``BlockingThreads``), never on Swift's
/// cooperative pool; each send creates, uses and frees its own curl handle on that thread. The URL may carry a user
/// and password (`smtp://user:password@host:587`); they are never logged nor put in an error: use ``redactedURL``.
public final class SMTPTransport: Sendable {
    public let url: String
    public let from: String
    public let timeoutSeconds: Int
    private let thread: BlockingThreads

    private static let globalInit: Int32 = Int32(shinchoku_curl_global_init().rawValue)

    /// - Parameters:
    ///   - url: `smtp://host:port` or `smtps://host:port`, optionally with `user:password@`.
    ///   - from: the envelope and `From:` address.
    public init(url: String, from: String, timeoutSeconds: Int = 30) {
        _ = Self.globalInit
        self.url = url
        self.from = from
        self.timeoutSeconds = timeoutSeconds
        self.thread = BlockingThreads(count: 1, name: "smtp")
    }

    /// Stops the transport's thread once the sends in progress are done.
    public func shutdown() { thread.stop() }

    /// The URL without its user and password, for logs and status pages.
    public var redactedURL: String { Self.redact(url) }

    public static func redact(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return "(unreadable SMTP URL)" }
        if parts.user != nil || parts.password != nil {
            parts.user = nil
            parts.password = nil
        }
        return parts.string ?? "(unreadable SMTP URL)"
    }

    /// Sends one message to one recipient and says how it went. 5xx replies are permanent; 4xx replies and
    /// connection failures temporary.
    public func send(_ message: MailMessage) async -> SMTPOutcome {
        let url = url
        let from = from
        let timeout = timeoutSeconds
        let text = message.rendered
        let to = message.to
        return await thread.run { () -> SMTPOutcome in
            var code = 0
            var errorText = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
            let result = text.withCString { bytes in
                shinchoku_smtp_send(url, from, to, bytes, strlen(bytes), timeout, &code, &errorText)
            }
            if result == CURLE_OK { return .sent }
            let detail = errorText.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            let said = detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail
            let summary = code > 0 ? "SMTP \(code): \(said)" : "curl \(result.rawValue): \(said)"
            // The password is never in curl's messages, but a host name might carry what looks like one: be sure.
            let safe = Self.scrub(summary, url: url)
            return (500...599).contains(code) ? .permanent(safe) : .temporary(safe)
        }
    }

    /// Removes the URL's password from a text, should it ever appear there.
    static func scrub(_ text: String, url: String) -> String {
        guard let password = URLComponents(string: url)?.password, !password.isEmpty else { return text }
        return text.replacingOccurrences(of: password, with: "***")
    }
}
