import Foundation
import HTTPTypes
import Hummingbird
import Shinchoku
import ShinchokuReports

/// The public, read-only view of published editions (docs/publication.md): no login, and nothing that was not
/// published. `/published` (index), `/published.atom` (feed), `/published/{period}` (the latest edition's HTML) and
/// `/published/{period}/editions/{n}.{format}` (one edition in one format, cached as immutable).
struct PublishedController<Context: RequestContext>: Sendable {
    let service: ShinchokuService
    let pages: Pages
    /// Where people reach the server (`--public-url`), for the feed's absolute links and ids: never the request's
    /// `Host`, which any client chooses, so that the feed's ids stay the same.
    let publicURL: String

    /// An edition's HTML is a standalone page with an inline stylesheet and inline SVG: no script, nothing fetched.
    static var editionContentSecurityPolicy: String {
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
    }

    func register(on router: some RouterMethods<Context>) {
        router.get("published") { _, _ in
            let editions = try await service.editions()
            var response = pages.render("published", Self.indexModel(editions))
            response.headers[.cacheControl] = "public, no-cache"
            return response
        }
        router.get("published.atom") { _, _ in
            let editions = try await service.editions()
            let body = ByteBuffer(string: Self.atom(editions, base: publicURL))
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/atom+xml; charset=utf-8", .contentLength: String(body.readableBytes),
                    .cacheControl: "public, no-cache",
                ],
                body: .init(byteBuffer: body))
        }
        router.get("published/{period}") { request, context in
            let period = try Self.period(context)
            guard let file = try await service.editionFile(period: period, number: nil, format: "html") else {
                throw RequestError.notFound("Nothing has been published for \(period).")
            }
            // The latest edition changes when the next one appears: revalidate, never immutable.
            return Self.response(file, request: request, cacheControl: "public, no-cache")
        }
        router.get("published/{period}/editions/{file}") { request, context in
            let period = try Self.period(context)
            let name = try context.parameters.require("file")
            let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, let number = Int(parts[0]), number >= 1, String(number) == parts[0],
                EditionFormats.contentType(for: parts[1]) != nil,
                let file = try await service.editionFile(period: period, number: number, format: parts[1])
            else { throw RequestError.notFound("There is no such edition of \(period).") }
            return Self.response(file, request: request, cacheControl: "public, max-age=31536000, immutable")
        }
    }

    static func period(_ context: Context) throws -> PeriodCode {
        let text = try context.parameters.require("period")
        guard let period = PeriodCode(text) else { throw RequestError.notFound("There is no period \(text).") }
        return period
    }

    /// One edition file, with its SHA-256 as a strong `ETag`, and `304` when the client has it already.
    static func response(_ file: EditionFile, request: Request, cacheControl: String) -> Response {
        let etag = "\"\(file.sha256)\""
        var headers: HTTPFields = [
            .contentType: EditionFormats.contentType(for: file.format) ?? "application/octet-stream",
            .eTag: etag, .cacheControl: cacheControl,
        ]
        if file.format == "html" { headers[.contentSecurityPolicy] = editionContentSecurityPolicy }
        let matches = request.headers[values: .ifNoneMatch].flatMap { $0.split(separator: ",") }.contains {
            let tag = $0.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
        if matches { return Response(status: .notModified, headers: headers) }
        headers[.contentLength] = String(file.bytes.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }

    struct FileLink {
        let format: String
        let href: String
    }

    static func indexModel(_ editions: [EditionInfo]) -> [String: Any] {
        let periods = Dictionary(grouping: editions, by: \.period).sorted { $0.key > $1.key }
        return [
            "frame": ["title": "公表された報告書"],
            "periods": periods.map { period, list in
                [
                    "label": "\(Labels.period(period))（\(period)）",
                    "latestHref": "/published/\(period)",
                    "editions": list.sorted { $0.number > $1.number }.map { e in
                        [
                            "number": e.number, "publishedAt": tokyoTime(e.publishedAt),
                            "files": e.formats.map {
                                ["format": $0, "href": "/published/\(period)/editions/\(e.number).\($0)"]
                            },
                            "corrections": e.corrections > 0 ? e.corrections as Any : false,
                            "reason": e.reason.map { $0 as Any } ?? false,
                        ] as [String: Any]
                    },
                ] as [String: Any]
            },
        ]
    }

    static func tokyoTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Tokyo")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// The Atom feed (RFC 4287): one entry per edition, newest first; every text escaped.
    static func atom(_ editions: [EditionInfo], base: String) -> String {
        func x(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
                .replacingOccurrences(of: "'", with: "&apos;")
        }
        var out = ["<?xml version=\"1.0\" encoding=\"utf-8\"?>", "<feed xmlns=\"http://www.w3.org/2005/Atom\">"]
        out.append("<title>\(x("山口県産業戦略 進捗状況報告書（公表版）"))</title>")
        out.append("<id>\(x(base))/published</id>")
        out.append("<link rel=\"self\" href=\"\(x(base))/published.atom\"/>")
        out.append("<link rel=\"alternate\" type=\"text/html\" href=\"\(x(base))/published\"/>")
        out.append("<updated>\(rfc3339(editions.map(\.publishedAt).max() ?? Date(timeIntervalSince1970: 0)))</updated>")
        out.append("<author><name>\(x("山口県"))</name></author>")
        for e in editions {
            let href = "\(base)/published/\(e.period)/editions/\(e.number).html"
            let title = "\(Labels.period(e.period)) 第\(e.number)版" + (e.corrections > 0 ? "（正誤表あり）" : "")
            out.append("<entry>")
            out.append("<title>\(x(title))</title>")
            out.append("<id>\(x(href))</id>")
            out.append("<link rel=\"alternate\" type=\"text/html\" href=\"\(x(href))\"/>")
            out.append("<published>\(rfc3339(e.publishedAt))</published>")
            out.append("<updated>\(rfc3339(e.publishedAt))</updated>")
            let summary =
                "\(e.period) 第\(e.number)版を公表しました。" + (e.reason.map { "理由：\($0)" } ?? "")
                + (e.corrections > 0 ? "正誤表 \(e.corrections)件。" : "")
            out.append("<summary>\(x(summary))</summary>")
            out.append("</entry>")
        }
        out.append("</feed>")
        return out.joined(separator: "\n") + "\n"
    }
}
