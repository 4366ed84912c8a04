import Foundation

/// One thread that runs actions at their deadlines, for every pool in the process: a caller's ``DatabaseDeadline``
/// and a waiter's acquire timeout.
///
/// Scheduling and cancelling take a lock and nothing else, so that a call with a deadline costs no task, no sleep
/// and no thread hop when it finishes in time, which is nearly always. The thread wakes only at the earliest
/// deadline still scheduled.
final class DeadlineTimer: @unchecked Sendable {
    static let shared = DeadlineTimer()

    /// A scheduled action, to cancel.
    struct Entry: Sendable {
        fileprivate let id: UInt64
    }

    private let condition = NSCondition()
    private var entries: [UInt64: (deadline: ContinuousClock.Instant, action: @Sendable () -> Void)] = [:]
    private var lastID: UInt64 = 0
    /// The deadline the thread sleeps until, nil when it sleeps until told.
    private var wakeAt: ContinuousClock.Instant?

    private init() {
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "libpq-deadlines"
        thread.stackSize = 1 << 18
        thread.start()
    }

    /// Runs `action` on the timer's thread at `deadline`, unless cancelled first. It must be quick.
    func schedule(at deadline: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> Entry {
        condition.lock()
        defer { condition.unlock() }
        lastID += 1
        entries[lastID] = (deadline, action)
        if wakeAt.map({ deadline < $0 }) ?? true { condition.signal() }
        return Entry(id: lastID)
    }

    /// Cancels an action; nothing happens if it ran already.
    func cancel(_ entry: Entry) {
        condition.lock()
        entries[entry.id] = nil
        condition.unlock()
    }

    private func loop() {
        condition.lock()
        while true {
            let now = ContinuousClock.now
            let due = entries.filter { $0.value.deadline <= now }
            if !due.isEmpty {
                for id in due.keys { entries[id] = nil }
                wakeAt = nil
                condition.unlock()
                for (_, entry) in due.sorted(by: { $0.value.deadline < $1.value.deadline }) { entry.action() }
                condition.lock()
                continue
            }
            wakeAt = entries.values.lazy.map(\.deadline).min()
            if let wakeAt {
                let seconds = Double((wakeAt - now).nanoseconds) / 1e9
                _ = condition.wait(until: Date(timeIntervalSinceNow: seconds))
            } else {
                condition.wait()
            }
        }
    }
}
