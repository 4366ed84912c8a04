import Foundation
import LibPQ
import Logging

/// The kinds of thing audit events are about.
public enum AuditEntity: String, Sendable, Codable, CaseIterable {
    case figure, narrative, project, user, period, department, plan, session
}

/// What an audit event records as done: `<entity>.<step>` in `audit_events.action`.
public enum AuditAction: String, Sendable, Codable, CaseIterable {
    case figureSave = "figure.save"
    case figureSubmit = "figure.submit"
    case figureApprove = "figure.approve"
    case figureReturn = "figure.return"
    case figureReopen = "figure.reopen"
    case narrativeSave = "narrative.save"
    case narrativeSubmit = "narrative.submit"
    case narrativeApprove = "narrative.approve"
    case narrativeReturn = "narrative.return"
    case narrativeReopen = "narrative.reopen"
    case periodCreate = "period.create"
    case periodOpen = "period.open"
    case periodClose = "period.close"
    case periodLock = "period.lock"
    case periodReopen = "period.reopen"
    case periodExtend = "period.extend"
    case periodExcuse = "period.excuse"
    case periodUnexcuse = "period.unexcuse"
    case periodPublish = "period.publish"
    case departmentCreate = "department.create"
    case departmentRename = "department.rename"
    case projectAssign = "project.assign"
    case planImport = "plan.import"
    case userCreate = "user.create"
    case userDisable = "user.disable"
    case userEnable = "user.enable"
    case userSetRole = "user.set_role"
    case userSetPassword = "user.set_password"
    case userResetPassword = "user.reset_password"
    case userChangePassword = "user.change_password"
    case userSetEmail = "user.set_email"
    case sessionLogin = "session.login"
    case sessionLogout = "session.logout"

    /// A workflow step on a figure or narrative: `figure.approve`, `narrative.save`.
    static func workflow(_ entity: AuditEntity, _ step: WorkflowAction) -> AuditAction {
        guard let action = AuditAction(rawValue: "\(entity.rawValue).\(step.rawValue)") else {
            preconditionFailure("no audit action for \(step) on a \(entity)")
        }
        return action
    }

    /// The kind of thing the action is about: the part before the dot.
    public var entity: AuditEntity {
        switch self {
        case .figureSave, .figureSubmit, .figureApprove, .figureReturn, .figureReopen: .figure
        case .narrativeSave, .narrativeSubmit, .narrativeApprove, .narrativeReturn, .narrativeReopen: .narrative
        case .periodCreate, .periodOpen, .periodClose, .periodLock, .periodReopen, .periodExtend, .periodExcuse,
            .periodUnexcuse, .periodPublish:
            .period
        case .departmentCreate, .departmentRename: .department
        case .projectAssign: .project
        case .planImport: .plan
        case .userCreate, .userDisable, .userEnable, .userSetRole, .userSetPassword, .userResetPassword,
            .userChangePassword, .userSetEmail:
            .user
        case .sessionLogin, .sessionLogout: .session
        }
    }
}

enum Audit {
    static func write(
        on c: Connection, actorID: Int?, actorLogin: String?, action: AuditAction, id: String,
        before: (any Encodable)?, after: (any Encodable)?, reason: String?
    ) throws {
        try c.execute(
            insert(
                actorID: actorID, actorLogin: actorLogin, action: action, id: id, before: before, after: after,
                reason: reason))
    }

    /// The INSERT of one audit event.
    static func insert(
        actorID: Int?, actorLogin: String?, action: AuditAction, id: String, before: (any Encodable)?,
        after: (any Encodable)?, reason: String?
    ) throws -> SQLQuery {
        """
        INSERT INTO audit_events (actor_id, actor_login, action, entity, entity_id, before, after, reason)
        VALUES (\(actorID), \(actorLogin), \(action), \(action.entity), \(id),
                \(try json(before)), \(try json(after)), \(reason))
        """
    }

    /// The JSON the audit trail and the workflow history keep: snake_case keys, sorted, no escaped slashes, dates in
    /// ISO 8601. The workflow's own records write it directly (``PayloadJSONEncodable``), with the same bytes.
    static func json(_ value: (any Encodable)?) throws -> RawJSON? {
        guard let value else { return nil }
        if let known = value as? any PayloadJSONEncodable { return RawJSON(known.payloadJSON()) }
        return RawJSON(Array(try encoder.encode(value)))
    }

    /// Configured once: making and configuring an encoder per event cost as much as the encoding.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
}

extension AuditEntity: PostgresCodable {}
extension AuditAction: PostgresCodable {}
