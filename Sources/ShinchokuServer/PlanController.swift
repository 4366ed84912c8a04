import Foundation
import Hummingbird
import Shinchoku

/// The plan: departments, projects with their indicators, indicators.
struct PlanController<Context: SessionRequestContext>: Sendable {
    let service: ShinchokuService

    func register(on api: some RouterMethods<Context>) {
        api.get("departments") { _, context in
            try await service.departments(as: context.actor)
        }
        api.get("projects") { _, context in
            try await service.projects(as: context.actor)
        }
        api.get("projects/{code}") { _, context in
            try await service.project(context.path("code"), as: context.actor)
        }
        api.get("indicators/{code}") { _, context in
            try await service.indicator(context.path("code"), as: context.actor)
        }
    }
}
