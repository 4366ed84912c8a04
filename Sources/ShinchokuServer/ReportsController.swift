import Foundation
import Hummingbird
import Shinchoku
import ShinchokuReports

/// `GET /reports/{period}`: the report of actual against target, in JSON, Markdown, HTML or CSV.
struct ReportsController<Context: SessionRequestContext>: Sendable {
    let service: ShinchokuService

    func register(on api: some RouterMethods<Context>) {
        api.get("reports/{period}") { request, context in
            let format = try request.query("format", as: ReportFormat.self) ?? .json
            let includePending = try request.query("include_pending", as: Bool.self) ?? false
            let fullWidth = try request.query("full_width", as: Bool.self) ?? false
            let data = try await service.reportData(
                period: context.period(), project: request.query("project"), department: request.query("department"),
                includePending: includePending, as: context.actor)
            let body = Report.render(data, options: ReportOptions(format: format, fullWidthDigits: fullWidth))
            return Response(
                status: .ok,
                headers: [.contentType: Report.contentType(for: format), .contentLength: String(body.count)],
                body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}
