import Foundation
import HTTPTypes
import Hummingbird

/// Security headers, set in one place for every response.
///
/// - `X-Content-Type-Options: nosniff` on every response: API, problem documents, health checks and pages alike.
/// - On everything outside `/api/`: `Content-Security-Policy: default-src 'self'; frame-ancestors 'none'` (no inline
///   script or style anywhere, no framing) and `Referrer-Policy: same-origin`.
/// - On pages (not `/api/`, `/static/` or the health checks): `Cache-Control: no-store`, so that a shared computer's
///   back button or cache never shows an authenticated page to the next person. The public `/published` pages, which
///   no login reaches, set their own caching, and an edition's HTML its own stricter policy (docs/publication.md).
///
/// OWASP ASVS V14.4 (HTTP security headers). It sits outside the error mapping, so error responses get them too.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var contentSecurityPolicy: String { "default-src 'self'; frame-ancestors 'none'" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        let path = request.uri.path
        if !path.hasPrefix("/api/") {
            // A published edition's HTML sets its own, stricter policy (no script at all; its inline stylesheet).
            let published = path == "/published" || path.hasPrefix("/published/") || path == "/published.atom"
            if !(published && response.headers[.contentSecurityPolicy] != nil) {
                response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
            }
            response.headers[.referrerPolicy] = "same-origin"
            // Published editions are public and say how long they may be cached; every other page is not stored.
            if !path.hasPrefix("/static/") && path != "/healthz" && path != "/readyz"
                && !(published && response.headers[.cacheControl] != nil)
            {
                response.headers[.cacheControl] = "no-store"
            }
        }
        return response
    }
}

extension HTTPField.Name {
    static var xContentTypeOptions: Self { Self("X-Content-Type-Options")! }
    static var referrerPolicy: Self { Self("Referrer-Policy")! }
}
