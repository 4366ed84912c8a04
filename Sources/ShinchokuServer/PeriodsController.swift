import Foundation
import Hummingbird
import Shinchoku

/// Reading reporting periods.
struct PeriodsController<Context: SessionRequestContext>: Sendable {
    let service: ShinchokuService

    func register(on api: some RouterMethods<Context>) {
        api.get("periods") { _, context in
            try await service.periods(as: context.actor)
        }
        api.get("periods/{period}") { _, context in
            try await service.period(context.period(), as: context.actor)
        }
    }
}
