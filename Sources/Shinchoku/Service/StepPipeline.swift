import LibPQ

/// Statements a workflow step leaves for the end of its transaction: the writes nothing in the step reads back (its
/// workflow event, notifications, publication request and audit event). They are sent in order, together with COMMIT,
/// so that a step costs one round trip for all of them and the audit chain's lock (migration 0006), which the audit
/// event takes, is held for that last round trip only.
///
/// Used on the connection's own thread only, like the connection.
final class DeferredStatements {
    private var queries: [SQLQuery] = []
    private var handlers: [((QueryResult) throws -> Void)?] = []

    var isEmpty: Bool { queries.isEmpty }

    /// Adds a statement; `handler` sees its rows once it has run.
    func append(_ query: SQLQuery, then handler: ((QueryResult) throws -> Void)? = nil) {
        queries.append(query)
        handlers.append(handler)
    }

    /// Sends the statements in order and calls their handlers. With `commit`, COMMIT goes in the same round trip (the
    /// transaction's own COMMIT is then not sent again).
    func send(on c: Connection, commit: Bool) throws {
        guard !queries.isEmpty else { return }
        let (queries, handlers) = (self.queries, self.handlers)
        self.queries = []
        self.handlers = []
        let results = try c.pipeline(queries, commit: commit)
        for (result, handler) in zip(results, handlers) { try handler?(result) }
    }
}

/// The lookup of a workflow step, named so that it is taken only by the step it was read for.
struct StepLookupQuery {
    /// What the lookup is of: kind of item, mode, code and period.
    let key: String
    let query: SQLQuery
}

/// The rows of a step's lookup, read in the round trip that resolved the acting user.
final class PrefetchedLookup {
    private let key: String
    private var rows: QueryResult?

    init(key: String, rows: QueryResult) {
        self.key = key
        self.rows = rows
    }

    /// The rows, once, if they were read for `key`.
    func take(_ key: String) -> QueryResult? {
        guard key == self.key, let rows else { return nil }
        self.rows = nil
        return rows
    }
}

extension Transaction {
    /// Runs a statement now, after any statements deferred before it, so that their order is kept.
    @discardableResult
    func query(_ query: SQLQuery) throws -> QueryResult {
        try flushDeferred()
        return try connection.query(query)
    }

    /// Runs a statement at the end of the transaction when this call defers them (``DeferredStatements``), else now.
    /// `handler` sees its rows.
    func later(_ query: SQLQuery, then handler: ((QueryResult) throws -> Void)? = nil) throws {
        if let deferred {
            deferred.append(query, then: handler)
        } else {
            let result = try connection.query(query)
            try handler?(result)
        }
    }

    /// Sends the statements deferred so far.
    func flushDeferred() throws {
        try deferred?.send(on: connection, commit: false)
    }
}
