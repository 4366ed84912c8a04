import Foundation
import LibPQ

/// What a notification tells: one of the events of issue 11 §7.
public enum NotificationKind: String, Sendable, Codable, CaseIterable {
    /// An item was submitted: to the approving division's approvers.
    case submitted
    /// An item was returned: to the clerks of its department, with the reason.
    case returned
    /// An item was approved: to the clerk who entered it.
    case approved
    /// A period opened: to the clerks of departments with missing items.
    case periodOpened = "period_opened"
    /// Three days or less before the due date: to the clerks of departments with missing items.
    case dueSoon = "due_soon"
    /// Past the due date: to the clerks of departments with missing items.
    case overdue
    /// A report edition was published: to everyone.
    case published
}

/// One notification, as its recipient reads it (`GET /api/v1/notifications`).
public struct NotificationInfo: Sendable, Equatable, Codable {
    public var id: Int
    public var kind: NotificationKind
    /// The period it is about, such as `2021Q2`; nil when none.
    public var period: String?
    /// Japanese subject, as the mail's.
    public var subject: String
    /// Japanese body, as the mail's without the link.
    public var body: String
    /// A path under the server's URL, such as `/periods/2021Q2/figures/1-1.1`.
    public var link: String
    public var createdAt: Date
    /// When the recipient marked it read; nil while unread.
    public var readAt: Date?
}

/// The signed-in user's notifications, newest first, and how many of all theirs are unread.
public struct NotificationPage: Sendable, Equatable, Codable {
    public var notifications: [NotificationInfo]
    public var unread: Int
}

/// A mail the delivery worker has claimed: its outbox row and the notification's text.
public struct OutgoingMail: Sendable, Equatable {
    public var id: Int
    public var notificationID: Int
    public var to: String
    /// `<notification-ID@host>`, fixed at the first attempt.
    public var messageID: String
    /// Attempts so far, this one included.
    public var attempts: Int
    public var subject: String
    public var body: String
    public var link: String
}

/// The outbox as admins see it: what waits, what failed for good, what went out.
public struct MailBacklog: Sendable, Equatable, Codable {
    /// Not yet sent and not failed: waiting for their next attempt.
    public var pending: Int
    /// Failed for good (a 5xx reply).
    public var failed: Int
    public var sent: Int
    /// The oldest pending mail's creation time.
    public var oldestPending: Date?
    /// The last error of the pending mail tried most recently, never a secret.
    public var lastError: String?
}
