import Foundation
import Logging
import ServiceLifecycle
import Shinchoku
import ShinchokuReports

/// The publisher: turns pending publication requests into editions, outside any request's transaction.
///
/// It is woken by the in-process ``PublicationSignal`` right after a call commits a request, and polls every
/// `pollInterval` as well, which also picks up requests committed by another process (the admin CLI, another server).
/// At start it processes whatever is pending, so a request left by a crash between an approval's COMMIT and its
/// edition is published on the next start. Two publishers (two servers) may run: the database's locks make each
/// request one edition at most (docs/publication.md).
public struct Publisher: Service {
    let service: ShinchokuService
    let logger: Logger
    let pollInterval: Duration

    public init(service: ShinchokuService, logger: Logger, pollInterval: Duration = .seconds(5)) {
        self.service = service
        self.logger = logger
        self.pollInterval = pollInterval
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.publishPending()
                await self.service.publicationSignal.wait(upTo: self.pollInterval)
            }
        }
    }

    /// Publishes every pending request, oldest first; logs and leaves a request pending when it fails (it is tried
    /// again at the next signal or poll).
    public func publishPending() async {
        do {
            while !Task.isCancelled, try await service.publishNext(render: EditionFormats.render).processed {}
        } catch {
            logger.error("publication failed; it is tried again", metadata: ["error": "\(error)"])
        }
    }
}
