import Foundation
import Hummingbird
import LibPQ
import Shinchoku

/// `GET /healthz` (the process answers) and `GET /readyz` (the database answers and its schema is current).
struct HealthController<Context: SessionRequestContext>: Sendable {
    let migrator: Migrator

    func register(on router: some RouterMethods<Context>) {
        router.get("healthz") { _, _ in StatusBody(status: "ok") }
        router.get("readyz") { _, _ in try await ready() }
    }

    func ready() async throws -> StatusBody {
        let current: Bool
        do {
            current = try await DatabaseDeadline.within(ServerConfiguration.readinessTimeout) {
                try await migrator.isCurrent()
            }
        } catch {
            throw RequestError(
                status: .serviceUnavailable, code: "unavailable", detail: "The database cannot be reached.")
        }
        guard current else {
            throw RequestError(
                status: .serviceUnavailable, code: "not_ready",
                detail: "The database schema is not current: apply the pending migrations.")
        }
        return StatusBody(status: "ready")
    }
}
