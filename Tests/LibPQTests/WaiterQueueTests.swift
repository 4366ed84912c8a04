import Testing

@testable import LibPQ

/// The pool's waiting line on its own: no database, no clock but made-up instants, no sleeps.
@Suite struct WaiterQueueTests {
    let t0 = ContinuousClock.now

    func queue(_ names: [String], every step: Duration = .seconds(1), timeout: Duration = .seconds(10))
        -> WaiterQueue<String>
    {
        var q = WaiterQueue<String>()
        for (i, name) in names.enumerated() {
            q.append(name, id: UInt64(i + 1), deadline: t0 + step * i + timeout)
        }
        return q
    }

    @Test func servesFirstComeFirstServed() {
        var q = queue(["a", "b", "c"])
        #expect(q.count == 3)
        #expect(q.popFirst() == "a")
        q.append("d", id: 4, deadline: t0 + .seconds(20))
        #expect([q.popFirst(), q.popFirst(), q.popFirst(), q.popFirst()] == ["b", "c", "d", nil])
        #expect(q.isEmpty)
    }

    @Test func aCancelledWaiterLeavesItsPlaceAndIsNotServed() {
        var q = queue(["a", "b", "c"])
        #expect(q.remove(2) == "b")
        #expect(q.remove(2) == nil, "removed once only")
        #expect(q.count == 2)
        #expect(q.popFirst() == "a")
        #expect(q.remove(1) == nil, "a served waiter cannot be cancelled any more")
        #expect(q.popFirst() == "c")
        #expect(q.popFirst() == nil)
    }

    @Test func waitersTimeOutAtTheirDeadlineInOrder() {
        var q = queue(["a", "b", "c"])  // deadlines t0+10s, +11s, +12s
        #expect(q.nextDeadline == t0 + .seconds(10))
        #expect(q.removeExpired(now: t0 + .seconds(9)).isEmpty)
        #expect(q.removeExpired(now: t0 + .seconds(11)) == ["a", "b"])
        #expect(q.nextDeadline == t0 + .seconds(12))
        #expect(q.popFirst() == "c")
        #expect(q.nextDeadline == nil)
        #expect(q.removeExpired(now: t0 + .seconds(60)).isEmpty)
    }

    @Test func theEarliestDeadlineSkipsWaitersAlreadyGone() {
        var q = queue(["a", "b", "c"])
        q.remove(1)
        #expect(q.nextDeadline == t0 + .seconds(11))
        #expect(q.removeAll() == ["b", "c"])
        #expect(q.isEmpty && q.nextDeadline == nil)
    }

    /// Served and cancelled waiters are dropped, not kept until their deadline: the pool's memory stays flat
    /// however many checkouts wait.
    @Test func manyWaitersLeaveNothingBehind() {
        var q = WaiterQueue<Int>()
        for i in 1...100_000 {
            q.append(i, id: UInt64(i), deadline: t0 + .seconds(10))
            if i % 3 == 0 { #expect(q.remove(UInt64(i)) == i) } else { #expect(q.popFirst() == i) }
        }
        #expect(q.isEmpty && q.storedEntries == 0)
    }
}
