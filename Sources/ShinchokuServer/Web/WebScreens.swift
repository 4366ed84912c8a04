import Foundation
import Hummingbird
import Logging
import Shinchoku

/// The web screens: server-rendered pages over the same service as the API, with cookie sessions and CSRF checks.
///
/// Handlers gather a small view model and render a template; every decision (who may see or do what, what is
/// valid) is the service's. Forms POST, then redirect (303) to a page that GETs the result.
struct WebScreens: Sendable {
    let service: ShinchokuService
    let pages: Pages
    let options: WebSessionOptions

    func register(on router: Router<ShinchokuRequestContext>) {
        // Before the static files' route, so that an unknown `/static/` file is an HTML 404 for a browser too.
        router.add(middleware: PageFallbackMiddleware(pages: pages))
        pages.register(on: router)
        let web = router.group()
            .add(middleware: PageErrorMiddleware(pages: pages, service: service))
            .add(middleware: CookieSessionMiddleware(options: options, publicPaths: ["/login"]))
        LoginScreens(screens: self).register(on: web)
        HomeScreen(screens: self).register(on: web)
        FigureScreens(screens: self).register(on: web)
        NarrativeScreens(screens: self).register(on: web)
        ReviewScreens(screens: self).register(on: web)
        PeriodScreens(screens: self).register(on: web)
        ReportScreens(screens: self).register(on: web)
        AccountScreens(screens: self).register(on: web)
        AdminScreens(screens: self).register(on: web)
        NotificationScreens(screens: self).register(on: web)
        CompletenessScreens(screens: self).register(on: web)
    }

    /// The signed-in user of a request, from the service; `unauthenticated` (a redirect to the login) without one.
    func viewer(_ context: ShinchokuRequestContext) async throws -> Viewer {
        guard let token = context.sessionToken else { throw ServiceError.unauthenticated() }
        let user = try await service.me(token: token)
        return Viewer(user: user, token: token)
    }
}

/// Who is looking at a page, and the session they hold.
struct Viewer: Sendable {
    var user: UserInfo
    var token: String

    var actor: ActorReference { .session(token: token) }
    var csrf: String { WebSession.csrfToken(forSession: token) }
    var isClerk: Bool { user.role == .clerk }
    var isApprover: Bool { user.role == .approver }
    var isAdmin: Bool { user.role == .admin }

    /// The site frame of a page: who is signed in, the menu for their role, and a notice after a redirect.
    func frame(title: String, current: String, notice: String? = nil) -> Frame {
        var nav: [Frame.Link] = []
        switch user.role {
        case .clerk: nav.append(.init(href: "/", label: "今期の入力状況"))
        case .approver: nav.append(.init(href: "/review", label: "審査待ち一覧"))
        case .admin: nav.append(.init(href: "/admin", label: "管理"))
        }
        nav.append(.init(href: "/periods", label: "期間別の状況"))
        nav.append(.init(href: "/reports", label: "報告書"))
        nav.append(.init(href: "/notifications", label: "通知"))
        nav.append(.init(href: "/account", label: "パスワード変更"))
        for i in nav.indices where nav[i].href == current { nav[i].current = true }
        return Frame(
            title: title, csrf: csrf,
            user: .init(
                displayName: user.displayName, login: user.login, role: Labels.role(user.role),
                department: user.department),
            nav: nav, notice: notice)
    }
}

/// What the layout template shows around every page.
struct Frame: Sendable {
    struct Link: Sendable {
        var href: String
        var label: String
        var current = false
    }
    struct User: Sendable {
        var displayName: String
        var login: String
        var role: String
        var department: String?
    }
    var title: String
    var csrf: String
    var user: User?
    var nav: [Link]
    var notice: String?

    /// The frame of a page seen without a session (login, errors).
    static func anonymous(title: String, notice: String? = nil) -> Frame {
        Frame(title: title, csrf: "", user: nil, nav: [], notice: notice)
    }
}

/// One field's error on a form: the field's name (for its id) and the message to show next to it.
struct FieldMessage: Sendable {
    var field: String
    var label: String
    var message: String
}

extension ServiceError {
    /// The field errors for a form, labelled and worded in Japanese (the English text where a rule has none yet);
    /// errors on fields the form does not show are kept, under their own names, so that nothing is swallowed.
    var fieldMessages: [FieldMessage] {
        fieldErrors.map { FieldMessage(field: $0.field, label: Labels.field($0.field), message: $0.ja ?? $0.message) }
    }

    /// The error's own sentence for a page: Japanese where the rule has it, else English.
    var pageMessage: String { ja ?? message }
}

/// Fixed notices shown after a redirect (`?notice=saved`). Only these words ever reach the page from the URL.
enum Notice: String {
    case saved, submitted
    case alreadySubmitted = "already_submitted"
    case approved
    case alreadyApproved = "already_approved"
    case returned, reopened
    case bulkApproved = "bulk_approved"
    case alreadyBulkApproved = "already_bulk_approved"
    case passwordChanged = "password_changed"
    case loggedOut = "logged_out"
    case changed
    case alreadyReviewed = "already_reviewed"
    case reasonRequired = "reason_required"

    var text: String {
        switch self {
        case .saved: "保存しました。まだ提出していません。"
        case .submitted: "提出しました。政策企画課の審査を待っています。"
        case .alreadySubmitted: "この項目は既に提出されています。二重に提出されることはありません。"
        case .approved: "承認しました。"
        case .alreadyApproved: "この項目は既に承認されています。二重に承認されることはありません。"
        case .alreadyReviewed: "この項目は既に審査されています。最新の状態を確認してください。"
        case .returned: "差し戻しました。担当課に理由が表示されます。"
        case .reopened: "承認済みの項目を修正のため再開しました。"
        case .bulkApproved: "選択した項目をまとめて承認しました。"
        case .alreadyBulkApproved: "選択した項目は既に承認されています。二重に承認されることはありません。"
        case .passwordChanged: "パスワードを変更しました。ほかの端末のログインは終了しました。"
        case .loggedOut: "ログアウトしました。"
        case .changed: "変更しました。"
        case .reasonRequired: "理由を入力してください。理由がないと再開できません。"
        }
    }

    static func from(_ request: Request) -> String? {
        request.uri.queryParameters.get("notice").flatMap(Notice.init(rawValue:))?.text
    }
}

/// Errors of the web screens become HTML pages, not problem documents: a missing session goes to the login, a
/// refusal is a 403 page, a missing thing a 404 page, a failed CSRF check a 403 page.
struct PageErrorMiddleware<Context: SessionRequestContext>: RouterMiddleware {
    let pages: Pages
    let service: ShinchokuService

    struct ErrorPage {
        var frame: Frame
        var heading: String
        var message: String
        var detail: String?
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            return await errorPage(error, request: request, context: context)
        }
    }

    private func errorPage(_ error: any Error, request: Request, context: Context) async -> Response {
        if let e = error as? ServiceError, e.code == .unauthenticated { return WebRedirect.toLogin() }
        // The site frame of whoever is signed in, so that the menu and the logout stay at hand.
        var frame = Frame.anonymous(title: "")
        // The cookie is read here: the session middleware runs inside this one.
        if let token = request.cookies[WebSession.cookieName]?.value, !token.isEmpty,
            let user = try? await service.me(token: token)
        {
            frame = Viewer(user: user, token: token).frame(title: "", current: "")
        }
        func page(_ status: HTTPResponse.Status, _ heading: String, _ message: String, _ detail: String?) -> Response {
            frame.title = heading
            return pages.render(
                "error", ErrorPage(frame: frame, heading: heading, message: message, detail: detail), status: status)
        }
        switch error {
        case let e as ServiceError:
            switch e.code {
            case .forbidden:
                return page(.forbidden, "この画面は表示できません", "あなたのアカウントでは、この画面の操作は認められていません。", e.pageMessage)
            case .notFound:
                return page(.notFound, "見つかりません", "指定された期間・指標・事業などは存在しません。", e.pageMessage)
            case .conflict, .periodNotOpen:
                return page(.conflict, "操作できませんでした", "この項目の状態では、この操作はできません。最新の状態を確認してください。", e.pageMessage)
            case .throttled:
                return page(.tooManyRequests, "しばらくお待ちください", "ログインの失敗が続いたため、一時的に受け付けていません。", e.pageMessage)
            case .unavailable:
                return page(.serviceUnavailable, "ただいま利用できません", "データベースに接続できません。しばらくしてから再度お試しください。", nil)
            default:
                return page(.badRequest, "受け付けられませんでした", "入力内容を確認してください。", e.description)
            }
        case let e as CSRFRefusal:
            context.logger.notice("refused a form without a valid CSRF token or from another origin")
            return page(
                .forbidden, "操作を受け付けられませんでした",
                "画面を開いてから時間がたったか、別のサイトから送信された可能性があります。画面を開き直してから、もう一度操作してください。", e.reason)
        case let e as RequestError where e.status == .contentTooLarge:
            return page(
                e.status, PageFallbackMiddleware<Context>.tooLargeHeading, PageFallbackMiddleware<Context>.tooLarge, nil
            )
        case let e as RequestError:
            return page(e.status, "受け付けられませんでした", "要求を読み取れませんでした。", e.detail)
        case let e as HTTPError where e.status == .notFound:
            return page(.notFound, "見つかりません", "このアドレスのページはありません。", nil)
        default:
            context.logger.error("unexpected error on a page", metadata: ["error": "\(String(describing: error))"])
            return page(
                .internalServerError, "エラーが発生しました", "サーバーで問題が発生しました。時間をおいて再度お試しください。", nil)
        }
    }
}

/// A browser's request that the HTTP layer refuses gets an HTML page: a path that names no route (or a
/// `/static/` file that does not exist) an HTML 404, a body over the size limit an HTML 413. Everything else, and
/// everything under `/api/`, keeps its problem document, as before.
struct PageFallbackMiddleware<Context: RequestContext>: RouterMiddleware {
    let pages: Pages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard request.isBrowserPage else { return try await next(request, context) }
        do {
            if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > APILimits.maximumBodySize {
                throw RequestError.payloadTooLarge
            }
            return try await next(request, context)
        } catch let e as HTTPError where e.status == .notFound {
            return page(.notFound, "見つかりません", "このアドレスのページはありません。")
        } catch let e as RequestError where e.status == .notFound {
            return page(.notFound, "見つかりません", "このアドレスのページはありません。")
        } catch let e as RequestError where e.status == .contentTooLarge {
            return page(.contentTooLarge, Self.tooLargeHeading, Self.tooLarge)
        }
    }

    static var tooLargeHeading: String { "送信できませんでした" }
    static var tooLarge: String {
        "入力された内容が長すぎます（\(APILimits.maximumBodySize / 1024) KiB まで）。文章を短くしてから、もう一度送信してください。"
    }

    private func page(_ status: HTTPResponse.Status, _ heading: String, _ message: String) -> Response {
        pages.render(
            "error",
            PageErrorMiddleware<ShinchokuRequestContext>.ErrorPage(
                frame: .anonymous(title: heading), heading: heading, message: message, detail: nil),
            status: status)
    }
}

extension Request {
    /// A browser asking for a page: not under `/api/`, and a form post or a request that accepts `text/html`.
    var isBrowserPage: Bool {
        guard !uri.path.hasPrefix("/api/") else { return false }
        let form = headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true
        return form || headers[.accept]?.contains("text/html") == true
    }
}
