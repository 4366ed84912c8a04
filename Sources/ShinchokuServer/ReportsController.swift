import Foundation
import HTTPTypes
import Hummingbird
import Shinchoku
import ShinchokuReports

/// `GET /reports/{period}`: the report of actual against target, in JSON, Markdown, HTML, CSV or xlsx, with the audit
/// chain's head as of the report in the `Shinchoku-Audit-Chain-Head` and `-Events` headers. xlsx comes as an attachment
/// (`Content-Disposition`), rendered off the cooperative pool.
struct ReportsController<Context: SessionRequestContext>: Sendable {
    let service: ShinchokuService

    func register(on api: some RouterMethods<Context>) {
        api.get("reports/{period}") { request, context in
            let format = try request.query("format", as: ReportFormat.self) ?? .json
            let includePending = try request.query("include_pending", as: Bool.self) ?? false
            let fullWidth = try request.query("full_width", as: Bool.self) ?? false
            let data = try await service.reportData(
                period: context.period(), project: request.query("project"), department: request.query("department"),
                includePending: includePending, history: format.history,
                planTexts: format.printsPlanTexts, as: context.actor)
            let body = try await Report.bytes(data, options: ReportOptions(format: format, fullWidthDigits: fullWidth))
            var headers: HTTPFields = [
                .contentType: Report.contentType(for: format), .contentLength: String(body.count),
            ]
            if format.isBinary {
                let name = Report.fileName(period: data.period, includePending: includePending, format: format)
                headers[.contentDisposition] = "attachment; filename=\"\(name)\""
            }
            headers.addAuditChain(data.auditChain)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}

extension HTTPField.Name {
    /// The audit chain's head hash as of the report (hex): the CSV report, a plain data table, cannot print it.
    static let auditChainHead = HTTPField.Name("Shinchoku-Audit-Chain-Head")!
    /// The number of audit events up to that head.
    static let auditChainEvents = HTTPField.Name("Shinchoku-Audit-Chain-Events")!
}

extension HTTPFields {
    /// Adds the audit chain's head as of a report, which every format's response carries.
    mutating func addAuditChain(_ head: AuditChainHead?) {
        guard let head else { return }
        self[.auditChainHead] = head.hash
        self[.auditChainEvents] = String(head.events)
    }
}
