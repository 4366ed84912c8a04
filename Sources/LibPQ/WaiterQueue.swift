/// The callers waiting for a pooled connection: served first come, first served; each gives up at its deadline
/// or when cancelled. A plain value with no clock and no tasks of its own, so that its rules are tested without
/// a database or a sleep; ``ConnectionPool`` keeps one and a single timer for the earliest deadline.
struct WaiterQueue<Waiter> {
    private struct Entry {
        let id: UInt64
        let deadline: ContinuousClock.Instant
        let waiter: Waiter
    }

    // Entries in arrival order from `start`; a cancelled or expired entry is nil until the front passes it, so
    // that taking one out needs no shifting.
    private var entries: [Entry?] = []
    private var start = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Entries still held, removed ones included until compaction (for tests of memory use).
    var storedEntries: Int { entries.count - start }

    /// Queues a waiter under an id that names it for ``remove(_:)``.
    mutating func append(_ waiter: Waiter, id: UInt64, deadline: ContinuousClock.Instant) {
        entries.append(Entry(id: id, deadline: deadline, waiter: waiter))
        count += 1
    }

    /// The longest-waiting waiter, taken out of the queue.
    mutating func popFirst() -> Waiter? {
        while start < entries.count {
            let entry = entries[start]
            entries[start] = nil
            start += 1
            if let entry {
                count -= 1
                compact()
                return entry.waiter
            }
        }
        compact()
        return nil
    }

    /// The longest-waiting waiter and its id, taken out of the queue.
    mutating func popFirstWithID() -> (UInt64, Waiter)? {
        while start < entries.count {
            let entry = entries[start]
            entries[start] = nil
            start += 1
            if let entry {
                count -= 1
                compact()
                return (entry.id, entry.waiter)
            }
        }
        compact()
        return nil
    }

    /// Whether a waiter is still queued.
    func contains(_ id: UInt64) -> Bool {
        entries[start...].contains { $0?.id == id }
    }

    /// Takes a waiter out of the queue (it was cancelled); nil when it was served or expired already.
    @discardableResult
    mutating func remove(_ id: UInt64) -> Waiter? {
        guard let i = entries[start...].firstIndex(where: { $0?.id == id }), let entry = entries[i] else {
            return nil
        }
        entries[i] = nil
        count -= 1
        compact()
        return entry.waiter
    }

    /// The waiters whose deadline has come by `now`, taken out of the queue in arrival order.
    mutating func removeExpired(now: ContinuousClock.Instant) -> [Waiter] {
        var expired: [Waiter] = []
        for i in start..<entries.count {
            guard let entry = entries[i], entry.deadline <= now else { continue }
            entries[i] = nil
            count -= 1
            expired.append(entry.waiter)
        }
        compact()
        return expired
    }

    /// Every waiter, taken out of the queue in arrival order (the pool is closing).
    @discardableResult
    mutating func removeAll() -> [Waiter] {
        let all = entries[start...].compactMap { $0?.waiter }
        (entries, start, count) = ([], 0, 0)
        return all
    }

    /// The earliest deadline of a waiter still queued.
    var nextDeadline: ContinuousClock.Instant? {
        entries[start...].lazy.compactMap { $0?.deadline }.min()
    }

    /// Drops the run of removed entries at the front, and the array's dead prefix once it is most of it.
    private mutating func compact() {
        while start < entries.count, entries[start] == nil { start += 1 }
        if start == entries.count {
            entries.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 64 && start * 2 > entries.count {
            entries.removeFirst(start)
            start = 0
        }
    }
}
