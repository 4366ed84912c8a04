import Testing

@testable import LibPQ

/// The statement cache's bookkeeping on its own, without a database.
@Suite struct StatementCacheTests {
    func key(_ sql: String, _ types: [UInt32] = []) -> StatementKey { StatementKey(sql: sql, types: types) }

    @Test func leastRecentlyUsedGoesFirstAndIsDeallocated() {
        var cache = StatementCache(capacity: 2)
        #expect(cache.insert(key("a")) == "s1")
        #expect(cache.insert(key("b")) == "s2")
        #expect(cache.name(for: key("a")) == "s1")  // a is now the most recently used
        #expect(cache.insert(key("c")) == "s3")
        #expect(cache.name(for: key("b")) == nil)
        #expect(cache.count == 2)
        #expect(cache.takePendingDeallocations() == ["s2"])
        #expect(cache.takePendingDeallocations().isEmpty)
        // Names are never reused on a connection.
        #expect(cache.insert(key("b")) == "s4")
    }

    @Test func typesArePartOfTheKey() {
        var cache = StatementCache(capacity: 4)
        let text = cache.insert(key("SELECT $1", [0]))
        let int = cache.insert(key("SELECT $1", [23]))
        #expect(text != int)
        #expect(cache.name(for: key("SELECT $1", [23])) == int)
    }

    @Test func staleStatementEmptiesTheCacheAndDeallocatesAll() {
        var cache = StatementCache(capacity: 4)
        _ = cache.insert(key("a"))
        _ = cache.insert(key("b"))
        cache.remove(key("a"), deallocate: true)
        cache.invalidateAll()
        #expect(cache.count == 0)
        _ = cache.insert(key("c"))  // prepared before the connection was next idle
        #expect(cache.takePendingDeallocations() == ["ALL"])
        #expect(cache.count == 0, "DEALLOCATE ALL drops what was prepared meanwhile too")
    }

    @Test func shrinkingEvicts() {
        var cache = StatementCache(capacity: 3)
        for sql in ["a", "b", "c"] { _ = cache.insert(key(sql)) }
        cache.setCapacity(1)
        #expect(cache.count == 1)
        #expect(cache.name(for: key("c")) == "s3")
        #expect(Set(cache.takePendingDeallocations()) == ["s1", "s2"])
        cache.forgetAll()
        #expect(cache.count == 0 && cache.takePendingDeallocations().isEmpty)
    }

    @Test(arguments: [
        ("SELECT 1", true), ("  select 1", true), ("WITH x AS (SELECT 1) SELECT * FROM x", true),
        ("(SELECT 1) UNION (SELECT 2)", true), ("-- note\nINSERT INTO t VALUES (1)", true),
        ("/* a */ update t SET v = 1", true), ("DELETE FROM t", true), ("VALUES (1)", true),
        ("BEGIN", false), ("COMMIT", false), ("SET TIME ZONE 'UTC'", false), ("CREATE TABLE t (v int)", false),
        ("DISCARD ALL", false), ("SELECTED", false), ("", false),
    ])
    func onlyPlannedStatementsArePrepared(_ sql: String, _ plannable: Bool) {
        #expect(StatementCache.isPlannable(sql) == plannable)
    }

    @Test func schemaChangesAreRecognised() {
        #expect(StatementCache.changesSchema("CREATE TEMP TABLE t (v int)"))
        #expect(StatementCache.changesSchema(" alter table t add column w int"))
        #expect(StatementCache.changesSchema("DROP TABLE t"))
        #expect(!StatementCache.changesSchema("SELECT 1"))
        #expect(!StatementCache.changesSchema("CREATED"))
    }
}
