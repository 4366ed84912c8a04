import Foundation
import Hummingbird
import Shinchoku
import ShinchokuReports

/// `GET /reports` (the periods), `GET /reports/{period}` (the HTML report inside the site's frame, with
/// `include_pending=true` as a switch) and `GET /reports/{period}/download?format=md|html|csv|json|xlsx` (the report as a
/// file). Everyone signed in, as for the API's reports.
struct ReportScreens: Sendable {
    let screens: WebScreens

    struct Download: Sendable {
        var label: String
        var href: String
    }

    struct Page: Sendable {
        var frame: Frame
        var periodLabel: String
        var includePending: Bool
        var toggleHref: String
        var toggleLabel: String
        var downloads: [Download]
        var report: String
    }

    struct ListPage: Sendable {
        var frame: Frame
        var periods: [PeriodScreens.PeriodLine]
    }

    func register(on web: some RouterMethods<ShinchokuRequestContext>) {
        web.get("reports") { request, context -> Response in
            let viewer = try await screens.viewer(context)
            let periods = try await screens.service.periods(as: viewer.actor)
            return screens.pages.render(
                "reports",
                ListPage(
                    frame: viewer.frame(title: "報告書", current: "/reports", notice: Notice.from(request)),
                    periods: periods.reversed().map(PeriodScreens.line)))
        }

        web.get("reports/{period}") { request, context -> Response in
            let viewer = try await screens.viewer(context)
            let period = try context.period()
            let includePending = try request.query("include_pending", as: Bool.self) ?? false
            let data = try await screens.service.reportData(
                period: period, project: nil, department: nil, includePending: includePending,
                history: ReportFormat.html.history, as: viewer.actor)
            let pending = includePending ? "&include_pending=true" : ""
            let downloads = [("Markdown", "md"), ("HTML", "html"), ("CSV", "csv"), ("JSON", "json"), ("Excel", "xlsx")]
                .map {
                    Download(label: $0.0, href: "/reports/\(period)/download?format=\($0.1)\(pending)")
                }
            return screens.pages.render(
                "report",
                Page(
                    frame: viewer.frame(title: "報告書: \(Labels.period(period))", current: "/reports"),
                    periodLabel: Labels.period(period), includePending: includePending,
                    toggleHref: includePending ? "/reports/\(period)" : "/reports/\(period)?include_pending=true",
                    toggleLabel: includePending ? "承認済みの内容だけを表示する" : "未承認の値・記述も含めて表示する",
                    downloads: downloads,
                    report: ReportFragment.html(data, options: ReportOptions(format: .html))))
        }

        web.get("reports/{period}/download") { request, context -> Response in
            let viewer = try await screens.viewer(context)
            let period = try context.period()
            let format = try request.query("format", as: ReportFormat.self) ?? .html
            let includePending = try request.query("include_pending", as: Bool.self) ?? false
            let data = try await screens.service.reportData(
                period: period, project: nil, department: nil, includePending: includePending,
                history: format.history, planTexts: format.printsPlanTexts, as: viewer.actor)
            let body = try await Report.bytes(data, options: ReportOptions(format: format))
            let name = Report.fileName(period: period, includePending: includePending, format: format)
            var headers: HTTPFields = [
                .contentType: Report.contentType(for: format), .contentLength: String(body.count),
                .contentDisposition: "attachment; filename=\"\(name)\"",
            ]
            headers.addAuditChain(data.auditChain)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}
