import Foundation
import LibPQ
import Logging
import SMTPMail
import ServiceLifecycle
import Shinchoku

/// The server's notification worker, a swift-service-lifecycle `Service` beside the HTTP server: it runs the
/// reminders' check every ``MailConfiguration/reminderInterval`` and, when an SMTP URL is configured, delivers the
/// mail outbox.
///
/// Delivery is at least once: due mails are claimed with a lease (`FOR UPDATE SKIP LOCKED`, so several servers
/// share the work), sent through libcurl on the transport's own thread, then marked sent. A 4xx reply or no answer
/// at all retries after a delay that doubles each time (``MailConfiguration/retryDelay`` up to
/// ``MailConfiguration/maximumRetryDelay``); a 5xx reply fails the mail for good. Nothing is lost while the SMTP
/// server is down: the rows wait. Errors are logged without the SMTP URL's password.
public struct NotificationWorker: Service {
    let service: ShinchokuService
    let outbox: MailOutbox
    let mail: MailConfiguration
    let logger: Logger

    public init(service: ShinchokuService, mail: MailConfiguration, logger: Logger) {
        self.service = service
        self.outbox = MailOutbox(pool: service.pool)
        self.mail = mail
        self.logger = logger
    }

    public func run() async throws {
        let transport = mail.smtpURL.map { SMTPTransport(url: $0, from: mail.from) }
        defer { transport?.shutdown() }
        if let transport {
            logger.info("mailing notifications", metadata: ["smtp": "\(transport.redactedURL)"])
        } else {
            logger.notice("no SMTP URL: notifications are shown in the app only; mails wait in the outbox")
        }
        var nextReminders = ContinuousClock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if ContinuousClock.now >= nextReminders {
                do {
                    let reminded = try await service.sendReminders()
                    if reminded > 0 { logger.info("reminders written", metadata: ["departments": "\(reminded)"]) }
                } catch {
                    logger.warning("the reminders' check failed", metadata: ["error": "\(error)"])
                }
                nextReminders = ContinuousClock.now + mail.reminderInterval
            }
            if let transport { await deliverDue(transport) }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: mail.pollInterval) }
        }
    }

    /// Sends every due mail, a batch at a time, until none is due.
    func deliverDue(_ transport: SMTPTransport) async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let batch: [OutgoingMail]
            do {
                batch = try await outbox.claim(limit: 20, lease: .seconds(300), host: mail.messageIDHost)
            } catch {
                logger.warning("the mail outbox cannot be read", metadata: ["error": "\(error)"])
                return
            }
            if batch.isEmpty { return }
            for item in batch { await deliver(item, transport) }
        }
    }

    func deliver(_ item: OutgoingMail, _ transport: SMTPTransport) async {
        let message = MailMessage(
            from: mail.from, to: item.to, subject: item.subject,
            body: item.body + "\n\n" + mail.publicURL + item.link + "\n\n-- \n進捗管理システム（Shinchoku）からの自動送信です。\n",
            messageID: item.messageID, date: Date())
        let outcome = await transport.send(message)
        do {
            switch outcome {
            case .sent:
                try await outbox.markSent(item.id)
            case .temporary(let error):
                let delay = retryDelay(afterAttempt: item.attempts)
                logger.notice(
                    "a mail will be retried", metadata: ["outbox_id": "\(item.id)", "error": "\(error)"])
                try await outbox.markRetry(item.id, error: error, after: delay)
            case .permanent(let error):
                logger.warning(
                    "a mail was refused for good", metadata: ["outbox_id": "\(item.id)", "error": "\(error)"])
                try await outbox.markFailed(item.id, error: error)
            }
        } catch {
            // The lease runs out and the mail is tried again: at least once.
            logger.warning("a mail's outcome cannot be recorded", metadata: ["error": "\(error)"])
        }
    }

    /// `retryDelay × 2^(attempts−1)`, at most `maximumRetryDelay`.
    func retryDelay(afterAttempt attempts: Int) -> Duration {
        let factor = 1 << min(max(attempts - 1, 0), 20)
        return min(mail.retryDelay * factor, mail.maximumRetryDelay)
    }
}
