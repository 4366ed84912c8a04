import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore
import Shinchoku
import ShinchokuReports

/// The web screens' templates (Mustache files shipped as resources) and the static files next to them.
///
/// Templates escape HTML by default (`{{ }}`); `{{{ }}}` is used only for HTML that Shinchoku's own report renderer
/// produced, never for user text. The site frame is the template `layout`, which pages extend with `{{<layout}}`.
struct Pages: Sendable {
    let library: MustacheLibrary
    /// `/static/<name>`: the CSS, the script and the icon, with their content types.
    let staticFiles: [String: (contentType: String, body: ByteBuffer)]

    init() throws {
        guard let templates = Bundle.module.url(forResource: "Templates", withExtension: nil),
            let statics = Bundle.module.url(forResource: "Static", withExtension: nil)
        else { throw PagesError.missingResources }
        var library = MustacheLibrary()
        let fm = FileManager.default
        for name in try fm.contentsOfDirectory(atPath: templates.path) where name.hasSuffix(".mustache") {
            let text = try String(contentsOf: templates.appendingPathComponent(name), encoding: .utf8)
            try library.register(text, named: String(name.dropLast(".mustache".count)))
        }
        self.library = library
        var files: [String: (contentType: String, body: ByteBuffer)] = [:]
        for name in try fm.contentsOfDirectory(atPath: statics.path) {
            let data = try Data(contentsOf: statics.appendingPathComponent(name))
            files[name] = (Self.contentType(of: name), ByteBuffer(bytes: data))
        }
        files["report.css"] = ("text/css; charset=utf-8", ByteBuffer(string: ReportFragment.stylesheet))
        self.staticFiles = files
    }

    static func contentType(of name: String) -> String {
        switch name.split(separator: ".").last {
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        default: "application/octet-stream"
        }
    }

    /// A page as an HTML response: UTF-8, declared in the header as in the page.
    func render(_ template: String, _ model: Any, status: HTTPResponse.Status = .ok) -> Response {
        let html = library.render(model, withTemplate: template) ?? "<!DOCTYPE html><title>Template missing</title>"
        let buffer = ByteBuffer(string: html)
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .contentLength: String(buffer.readableBytes)],
            body: .init(byteBuffer: buffer))
    }

    func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        let files = staticFiles
        router.get("static/{name}") { _, context -> Response in
            guard let name = context.parameters.get("name"), let file = files[name] else {
                throw RequestError.notFound("There is no such file.")
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: file.contentType, .contentLength: String(file.body.readableBytes),
                    .cacheControl: "public, max-age=3600",
                ],
                body: .init(byteBuffer: file.body))
        }
    }
}

enum PagesError: Error, CustomStringConvertible {
    case missingResources
    var description: String { "The web screens' templates are missing from the server's resources." }
}
