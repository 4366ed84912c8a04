import Foundation

extension ConnectionPool {
    /// A caller waiting for a slot: served with one, or failed (timeout, cancellation, pool closed).
    struct Waiter: Sendable {
        let serve: @Sendable (Result<Slot, any Error>) -> Void
    }

    /// Which slots are free, and who waits for one, behind a lock: taking a free slot and giving it back cost no hop
    /// to an actor. Only ever held briefly, never across a libpq call or a continuation.
    final class Checkout: @unchecked Sendable {
        enum Taken {
            case slot(Slot)
            /// No slot is free but the pool may grow: the caller makes slot number `n` and ``register(_:)``s it.
            case create(Int)
            case queued
            case closed
        }

        enum Released {
            case idle
            case handedTo(Waiter)
            case closed
        }

        private let lock = NSLock()
        private var idle: [Slot] = []
        private var slots: [Slot] = []
        private var created = 0
        private var waiters = WaiterQueue<Waiter>()
        private var timers: [UInt64: DeadlineTimer.Entry] = [:]
        private var lastWaiterID: UInt64 = 0
        private var closed = false

        var slotCount: Int { lock.withLock { created } }

        func newWaiterID() -> UInt64 {
            lock.withLock {
                lastWaiterID += 1
                return lastWaiterID
            }
        }

        /// A free slot, or leave to make one, or a place in the queue.
        func take(id: UInt64, waiter: Waiter, until deadline: ContinuousClock.Instant, maxConnections: Int) -> Taken {
            lock.withLock {
                if closed { return .closed }
                if let slot = idle.popLast() { return .slot(slot) }
                if created < maxConnections {
                    created += 1
                    return .create(created)
                }
                waiters.append(waiter, id: id, deadline: deadline)
                return .queued
            }
        }

        /// Adds a slot made after ``take(id:waiter:until:maxConnections:)`` said so; false when the pool closed
        /// meanwhile.
        func register(_ slot: Slot) -> Bool {
            lock.withLock {
                if closed { return false }
                slots.append(slot)
                return true
            }
        }

        /// Keeps a queued waiter's timeout so that serving it cancels it; cancels it at once if it was served.
        func setTimer(_ timer: DeadlineTimer.Entry, for id: UInt64) {
            let stillWaiting = lock.withLock {
                guard waiters.contains(id) else { return false }
                timers[id] = timer
                return true
            }
            if !stillWaiting { DeadlineTimer.shared.cancel(timer) }
        }

        /// Takes a waiter out of the queue (cancelled, or timed out); nil when it was served already.
        func removeWaiter(_ id: UInt64) -> Waiter? {
            let (waiter, timer) = lock.withLock { (waiters.remove(id), timers.removeValue(forKey: id)) }
            if let timer { DeadlineTimer.shared.cancel(timer) }
            return waiter
        }

        /// A slot whose work is done: to the longest waiter, else idle.
        func release(_ slot: Slot) -> Released {
            let (released, timer): (Released, DeadlineTimer.Entry?) = lock.withLock {
                if closed { return (.closed, nil) }
                if let (id, waiter) = waiters.popFirstWithID() {
                    return (.handedTo(waiter), timers.removeValue(forKey: id))
                }
                idle.append(slot)
                return (.idle, nil)
            }
            if let timer { DeadlineTimer.shared.cancel(timer) }
            return released
        }

        /// Closes the checkout: every waiter and every slot, for the pool to fail and to end.
        func close() -> (waiters: [Waiter], slots: [Slot]) {
            let (waiting, all, pending): ([Waiter], [Slot], [DeadlineTimer.Entry]) = lock.withLock {
                closed = true
                let all = slots
                slots.removeAll()
                idle.removeAll()
                let pending = Array(timers.values)
                timers.removeAll()
                return (waiters.removeAll(), all, pending)
            }
            for timer in pending { DeadlineTimer.shared.cancel(timer) }
            return (waiting, all)
        }
    }
}
