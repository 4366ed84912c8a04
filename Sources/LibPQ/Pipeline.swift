import CLibPQ
import Foundation

extension Connection {
    /// Sends the queries as one pipeline (one round trip) and returns their results in order.
    ///
    /// The first statement that fails throws its ``PostgresError``; the ones after it do not run. Outside a
    /// transaction the pipeline is one implicit transaction of its own, so a failure also undoes the statements
    /// before it; inside one (``withTransaction(isolation:_:)``) the transaction is left failed, and rolls back.
    /// Either way the connection stays usable. Statements that the server plans (SELECT, INSERT, UPDATE, DELETE…)
    /// run as named prepared statements (see ``preparedStatementCacheSize``), prepared in the same round trip the
    /// first time. Statements that refuse to run in a pipeline (`CREATE DATABASE`, `VACUUM`) fail here unless alone.
    ///
    /// With `commit: true`, inside a transaction of `withTransaction`, the transaction's COMMIT goes in the same
    /// round trip (and BEGIN too when the transaction has sent nothing yet), and `withTransaction` does not send it
    /// again: the body should return once this returns. Its failure is reported exactly as a failed COMMIT of
    /// `withTransaction` is: ``PostgresTransactionError`` with stage `.commit` and the outcome looked up. Outside a
    /// transaction `commit: true` is a client error.
    public func pipeline(_ queries: [SQLQuery], commit: Bool = false) throws -> [QueryResult] {
        try roundTrip(queries, commit: commit)
    }

    /// Server round trips made on this connection so far (a statement alone is one; a pipeline is one).
    public var roundTrips: UInt64 { roundTripCount }

    /// The most named prepared statements this connection keeps (least recently used out first, deallocated);
    /// 0 sends every statement unprepared, as PgBouncer in transaction mode before 1.21 needs. Default 256.
    public var preparedStatementCacheSize: Int {
        get { statementCache.capacity }
        set { statementCache.setCapacity(max(0, newValue)) }
    }

    /// Named statements this connection has prepared and not deallocated (for tests and diagnostics).
    public var preparedStatementCount: Int { statementCache.count }
}

// MARK: - Transactions

/// What `withTransaction` knows of its open transaction while its body runs. BEGIN waits in `pendingBegin` until
/// the body's first round trip carries it.
final class TransactionScope {
    enum State {
        case open
        /// A pipeline with `commit: true` committed it.
        case committed
        /// A pipeline with `commit: true` sent COMMIT, which failed or whose answer was lost; this is what it threw.
        case commitFailed(any Error)
    }

    var pendingBegin: String?
    /// The transaction's id once it has written something.
    var transactionID: TransactionID?
    /// Whether `transactionID` accounts for every statement sent so far (a script run by `executeScript` is not).
    var transactionIDCurrent = true
    var state = State.open
    let beforeCommit: (_ wrote: Bool) throws -> Void
    let lookUpOutcome: (TransactionID) -> CommitOutcome

    init(
        begin: String, beforeCommit: @escaping (_ wrote: Bool) throws -> Void,
        lookUpOutcome: @escaping (TransactionID) -> CommitOutcome
    ) {
        self.pendingBegin = begin
        self.beforeCommit = beforeCommit
        self.lookUpOutcome = lookUpOutcome
    }

    var isOpen: Bool {
        if case .open = state { return true }
        return false
    }
}

extension Connection {
    static let transactionIDQuery = "SELECT pg_current_xact_id_if_assigned()::text"

    /// One round trip of the caller's statements, with what the open transaction needs around them: BEGIN in front
    /// while it is pending, the transaction's id after them until it is known (so that a COMMIT whose answer is lost
    /// can be looked up), and COMMIT last when `commit`.
    func roundTrip(_ queries: [SQLQuery], commit: Bool) throws -> [QueryResult] {
        checkThread()
        var items: [Outgoing] = []
        items.reserveCapacity(queries.count + 3)
        let scope = transactionScope
        if let scope, !scope.isOpen {
            throw PostgresError(
                kind: .client, message: "the transaction was committed by pipeline(commit: true); nothing may follow it"
            )
        }
        if commit && scope == nil {
            throw PostgresError(
                kind: .client, message: "pipeline(commit: true) runs only inside a transaction of withTransaction")
        }
        if let begin = scope?.pendingBegin { items.append(Outgoing(sql: begin, bindings: [], purpose: .begin)) }
        for query in queries {
            items.append(try Outgoing(query))
        }
        if let scope, scope.transactionID == nil {
            items.append(Outgoing(sql: Self.transactionIDQuery, bindings: [], purpose: .transactionID))
        }
        if commit, let scope {
            try scope.beforeCommit(scope.transactionID != nil || !scope.transactionIDCurrent || !queries.isEmpty)
            items.append(Outgoing(sql: "COMMIT", bindings: [], purpose: .commit))
        }
        if items.isEmpty { return [] }

        let replies = exchangeRetryingStale(&items)

        var results: [QueryResult] = []
        results.reserveCapacity(queries.count)
        var firstError: (any Error)?
        var idAnswered = false
        for (item, reply) in zip(items, replies) {
            switch (item.purpose, reply) {
            case (.begin, .result):
                scope?.pendingBegin = nil
            case (.begin, .failed(let e)), (.begin, .lost(let e)):
                firstError = firstError ?? PostgresTransactionError(stage: .begin, underlying: e)
            case (.query, .result(let r)):
                results.append(r)
            case (.transactionID, .result(let r)):
                do {
                    scope?.transactionID = try r.first?.decode(String?.self, at: 0).map(TransactionID.init)
                    scope?.transactionIDCurrent = true
                    idAnswered = true
                } catch {
                    firstError = firstError ?? error
                }
            case (_, .failed(let e)), (_, .lost(let e)):
                if item.purpose != .commit { firstError = firstError ?? e }
            default:
                break
            }
        }
        guard commit, let scope, case .some(let commitReply) = replies.last else {
            if let firstError { throw firstError }
            return results
        }
        switch commitReply {
        case .result:
            scope.state = .committed
            return results
        case .skipped:
            // An earlier statement failed: the transaction is open and failed, and rolls back.
            throw firstError ?? PostgresError(kind: .client, message: "COMMIT was skipped")
        case .failed(let e) where !e.leavesCommitInDoubt:
            let error = PostgresTransactionError(stage: .commit, underlying: e, outcome: .aborted)
            scope.state = .commitFailed(error)
            throw error
        case .failed(let e), .lost(let e):
            // The answer to COMMIT was lost: ask what became of the transaction.
            let idKnown = scope.transactionIDCurrent && (idAnswered || !items.contains { $0.purpose == .transactionID })
            let complete = results.count == queries.count
            let error: PostgresTransactionError
            if idKnown, let id = scope.transactionID {
                let outcome = scope.lookUpOutcome(id)
                if outcome == .committed && complete {
                    scope.state = .committed
                    return results
                }
                error = PostgresTransactionError(stage: .commit, underlying: e, outcome: outcome, transactionID: id)
            } else if idKnown && complete {
                scope.state = .committed  // it wrote nothing: the same whether COMMIT arrived or not
                return results
            } else {
                error = PostgresTransactionError(stage: .commit, underlying: e, outcome: .unknown)
            }
            scope.state = .commitFailed(error)
            throw error
        }
    }

    /// Runs `body` in a transaction whose BEGIN rides on its first round trip and whose id is learnt along the way;
    /// see ``withTransaction(isolation:beforeCommit:lookUpOutcome:_:)`` for what it promises.
    func runTransaction<T>(
        isolation: IsolationLevel, beforeCommit: (_ wrote: Bool) throws -> Void,
        lookUpOutcome: (TransactionID) -> CommitOutcome, _ body: (Connection) throws -> T
    ) throws -> T {
        checkThread()
        guard transactionScope == nil else {
            throw PostgresError(kind: .client, message: "withTransaction was called inside a transaction")
        }
        return try withoutActuallyEscaping(beforeCommit) { beforeCommit in
            try withoutActuallyEscaping(lookUpOutcome) { lookUpOutcome in
                let scope = TransactionScope(
                    begin: "BEGIN ISOLATION LEVEL \(isolation.rawValue)", beforeCommit: beforeCommit,
                    lookUpOutcome: lookUpOutcome)
                transactionScope = scope
                defer { transactionScope = nil }
                return try runTransaction(scope, body)
            }
        }
    }

    private func runTransaction<T>(_ scope: TransactionScope, _ body: (Connection) throws -> T) throws -> T {
        let value: T
        do {
            value = try body(self)
            switch scope.state {
            case .committed: return value
            case .commitFailed(let error): throw error
            case .open: break
            }
            if scope.pendingBegin != nil {
                // Nothing was sent: there is no transaction to commit.
                try scope.beforeCommit(false)
                return value
            }
            if !scope.transactionIDCurrent && scope.transactionID == nil {
                _ = try roundTrip([], commit: false)  // asks for the id alone
            }
            try scope.beforeCommit(scope.transactionID != nil)
        } catch {
            guard scope.isOpen, scope.pendingBegin == nil else { throw error }
            transactionScope = nil
            do {
                try execute("ROLLBACK")
            } catch let rollbackError as PostgresError {
                throw PostgresTransactionError(stage: .rollback, underlying: rollbackError, bodyError: error)
            }
            throw error
        }
        transactionScope = nil
        do {
            try execute("COMMIT")
        } catch let e as PostgresError {
            guard e.leavesCommitInDoubt else {
                throw PostgresTransactionError(stage: .commit, underlying: e, outcome: .aborted)
            }
            guard let id = scope.transactionID else { return value }  // it wrote nothing: the same either way
            let outcome = scope.lookUpOutcome(id)
            if outcome == .committed { return value }
            throw PostgresTransactionError(stage: .commit, underlying: e, outcome: outcome, transactionID: id)
        }
        return value
    }

    /// Sends BEGIN now if the transaction's first round trip has not carried it yet (before a script).
    func sendPendingBegin() throws {
        guard let scope = transactionScope, let begin = scope.pendingBegin else { return }
        var items = [Outgoing(sql: begin, bindings: [], purpose: .begin)]
        switch exchange(&items)[0] {
        case .result: scope.pendingBegin = nil
        case .failed(let e), .lost(let e): throw PostgresTransactionError(stage: .begin, underlying: e)
        case .skipped: throw PostgresError(kind: .client, message: "BEGIN was skipped")
        }
    }
}

// MARK: - Round trips

extension Connection {
    /// What one statement of a round trip is for.
    enum Purpose {
        case query, begin, transactionID, commit
    }

    /// One statement to send.
    struct Outgoing {
        var sql: String
        var bindings: [PostgresBinding]
        var purpose: Purpose
        /// Set when the server plans the statement, so it may run prepared.
        var key: StatementKey?
        /// The prepared statement's name, when it runs as one.
        var name: String?
        /// Whether it is prepared in this round trip.
        var preparesHere = false

        init(sql: String, bindings: [PostgresBinding], purpose: Purpose) {
            self.sql = sql
            self.bindings = bindings
            self.purpose = purpose
            if purpose != .begin && purpose != .commit && StatementCache.isPlannable(sql) {
                key = StatementKey(sql: sql, types: bindings.map(\.typeOID))
            }
        }

        /// A caller's query, refused before anything is sent when PostgreSQL could not take it.
        init(_ query: SQLQuery) throws {
            let sql = query.sql
            let bindings = query.bindings
            // Values travel as C strings, which end at the first NUL: refuse rather than store a shortened value.
            if let i = bindings.firstIndex(where: { $0.text?.utf8.contains(0) == true }) {
                throw PostgresError(
                    kind: .client,
                    message: "parameter $\(i + 1) contains a NUL character, which PostgreSQL text cannot hold",
                    query: sql)
            }
            if bindings.count > 65535 {
                throw PostgresError(
                    kind: .client, message: "\(bindings.count) parameters; PostgreSQL takes at most 65535", query: sql)
            }
            self.init(sql: sql, bindings: bindings, purpose: .query)
        }
    }

    /// What came back for one statement.
    enum Reply {
        case result(QueryResult)
        /// The server refused it (or refused to prepare it).
        case failed(PostgresError)
        /// It did not run: an earlier statement of its pipeline failed.
        case skipped
        /// No answer came: the connection broke.
        case lost(PostgresError)

        var error: PostgresError? {
            switch self {
            case .failed(let e), .lost(let e): e
            case .result, .skipped: nil
            }
        }
    }

    /// ``exchange(_:)``, repeated once when a prepared statement was found gone (SQLSTATE 26000: a server restart
    /// is a new connection, but `DISCARD ALL` or a pooler drops them behind our back) or stale (0A000, `cached plan
    /// must not change result type`, after a migration changed a table), provided the round trip began outside any
    /// transaction (ours was still pending): then everything it did was undone, and running it again is safe. Inside
    /// a transaction that the failure aborted, the cache is emptied for next time and the error goes up.
    func exchangeRetryingStale(_ items: inout [Outgoing]) -> [Reply] {
        let startedIdle = PQtransactionStatus(handle) == PQTRANS_IDLE
        let replies = exchange(&items)
        guard let i = replies.firstIndex(where: { $0.error != nil }), case .failed(let e) = replies[i],
            items[i].key != nil, items[i].name != nil, !items[i].preparesHere
        else { return replies }
        switch e.sqlState {
        case SQLState.invalidSQLStatementName?: statementCache.forgetAll()
        case SQLState.featureNotSupported?: statementCache.invalidateAll()
        default: return replies
        }
        guard startedIdle else { return replies }
        if PQtransactionStatus(handle) != PQTRANS_IDLE {
            // Our BEGIN went in the same round trip: end the failed transaction before trying again.
            var rollback = [Outgoing(sql: "ROLLBACK", bindings: [], purpose: .query)]
            guard case .result = exchange(&rollback)[0], PQtransactionStatus(handle) == PQTRANS_IDLE else {
                return replies
            }
        }
        return exchange(&items)
    }

    /// Sends the statements as one round trip and reads every answer: a statement alone the simple way, several as a
    /// pipeline. Statements the cache knows run prepared; new ones are prepared in the same round trip; statements
    /// the cache evicted earlier are deallocated in front when the connection is outside a transaction, in a segment
    /// of their own so that their failure cannot touch the statements.
    func exchange(_ items: inout [Outgoing]) -> [Reply] {
        if statementCache.count > 0 && items.contains(where: { $0.key == nil && StatementCache.changesSchema($0.sql) })
        {
            statementCache.invalidateAll()
        }
        var deallocations: [String] = []
        if !statementCache.pendingDeallocations.isEmpty && PQtransactionStatus(handle) == PQTRANS_IDLE {
            deallocations = statementCache.takePendingDeallocations()
        }
        let caching = statementCache.capacity > 0
        for i in items.indices {
            items[i].name = nil
            items[i].preparesHere = false
            guard caching, let key = items[i].key else { continue }
            if let name = statementCache.name(for: key) {
                items[i].name = name
            } else {
                items[i].name = statementCache.insert(key)
                items[i].preparesHere = true
            }
        }
        let start = ContinuousClock.now
        var prepared = [Bool](repeating: true, count: items.count)
        let replies: [Reply]
        if deallocations.isEmpty && items.count == 1 && !items[0].preparesHere {
            replies = [sendAlone(items[0])]
        } else {
            replies = sendPipeline(items, deallocations: deallocations, prepared: &prepared)
        }
        let duration = ContinuousClock.now - start
        roundTripCount += 1
        for i in items.indices where items[i].preparesHere && !prepared[i] {
            if let key = items[i].key { statementCache.remove(key, deallocate: false) }
        }
        metrics.recordRoundTrip(statements: items.count + deallocations.count, duration: duration)
        if let observer = statementObserver {
            for item in items {
                observer.record(
                    StatementRecord(
                        sql: item.sql, bindings: item.bindings, roundTrip: roundTripCount, duration: duration,
                        prepared: item.name != nil))
            }
        }
        return replies
    }

    /// One statement without pipeline mode: `PQexecPrepared` or `PQexecParams`.
    private func sendAlone(_ item: Outgoing) -> Reply {
        ThreadAudit.record()
        let result: OpaquePointer? = withParameters(item.bindings) { count, types, values in
            if let name = item.name { return PQexecPrepared(handle, name, count, values, nil, nil, 0) }
            return PQexecParams(handle, item.sql, count, types, values, nil, nil, 0)
        }
        guard let result else { return .lost(connectionError(query: item.sql)) }
        return reply(to: result, query: item.sql)
    }

    /// The statements as one pipeline, always read to its end so the connection is left usable. `prepared[i]` is
    /// set to false when statement `i` was to be prepared here and was not.
    private func sendPipeline(_ items: [Outgoing], deallocations: [String], prepared: inout [Bool]) -> [Reply] {
        ThreadAudit.record()
        var replies = [Reply](repeating: .skipped, count: items.count)
        guard PQenterPipelineMode(handle) == 1 else {
            let e = connectionError(query: nil)
            for i in items.indices { replies[i] = .lost(e) }
            prepared = prepared.map { _ in false }
            return replies
        }
        defer { _ = PQexitPipelineMode(handle) }
        // Sending. A send fails only when the connection does; whatever was queued is then read as far as it goes.
        var sent = true
        for name in deallocations where sent {
            sent = PQsendQueryParams(handle, "DEALLOCATE \(name)", 0, nil, nil, nil, nil, 0) == 1
        }
        if !deallocations.isEmpty && sent { sent = PQpipelineSync(handle) == 1 }
        for item in items where sent {
            sent = withParameters(item.bindings) { count, types, values in
                if let name = item.name {
                    if item.preparesHere && PQsendPrepare(handle, name, item.sql, count, types) != 1 { return false }
                    return PQsendQueryPrepared(handle, name, count, values, nil, nil, 0) == 1
                }
                return PQsendQueryParams(handle, item.sql, count, types, values, nil, nil, 0) == 1
            }
        }
        if sent { sent = PQpipelineSync(handle) == 1 }
        guard sent else {
            let e = connectionError(query: nil)
            for i in items.indices { replies[i] = .lost(e) }
            prepared = prepared.map { _ in false }
            return replies
        }

        // Reading, in the order sent.
        if !deallocations.isEmpty {
            for _ in deallocations {
                guard readCommand() != nil else { return lostFrom(0, items, &replies, &prepared) }
            }
            guard readSync() else { return lostFrom(0, items, &replies, &prepared) }
        }
        var failed = false
        for (i, item) in items.enumerated() {
            if item.preparesHere {
                guard let result = readCommand() else { return lostFrom(i, items, &replies, &prepared) }
                let status = PQresultStatus(result.pointer)
                if status != PGRES_COMMAND_OK {
                    prepared[i] = false
                    if !failed && status != PGRES_PIPELINE_ABORTED {
                        replies[i] = reply(to: result.take(), query: item.sql)
                        failed = true
                    }
                }
            }
            guard let result = readCommand() else { return lostFrom(i, items, &replies, &prepared) }
            let status = PQresultStatus(result.pointer)
            if !failed && status != PGRES_PIPELINE_ABORTED {
                replies[i] = reply(to: result.take(), query: item.sql)
                if case .failed = replies[i] { failed = true }
            }
        }
        guard readSync() else { return lostFrom(items.count, items, &replies, &prepared) }
        return replies
    }

    /// Marks the statements from `i` on as lost with the connection's error.
    private func lostFrom(
        _ i: Int, _ items: [Outgoing], _ replies: inout [Reply], _ prepared: inout [Bool]
    ) -> [Reply] {
        let e = connectionError(query: nil)
        for j in i..<items.count {
            if case .skipped = replies[j] { replies[j] = .lost(e) }
            if items[j].preparesHere { prepared[j] = false }
        }
        // A broken connection is dropped by its owner; there is nothing left to drain.
        return replies
    }

    /// The result of the next command of a pipeline, read up to the null that ends it; nil when none came.
    private func readCommand() -> PipelineResult? {
        guard let first = PQgetResult(handle) else { return nil }
        // A command yields one result here (COPY is not sent this way); anything more is drained.
        while let extra = PQgetResult(handle) { PQclear(extra) }
        return PipelineResult(first)
    }

    /// Reads the end of a pipeline segment.
    private func readSync() -> Bool {
        guard let result = PQgetResult(handle) else { return false }
        defer { PQclear(result) }
        return PQresultStatus(result) == PGRES_PIPELINE_SYNC
    }

    /// A statement's result as its reply; takes ownership of `result`.
    private func reply(to result: OpaquePointer, query: String) -> Reply {
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return .result(QueryResult(result))
        default:
            var e = PostgresError(result: result, query: query)
            PQclear(result)
            if PQstatus(handle) != CONNECTION_OK {
                e.kind = .connection
                return .lost(e)
            }
            return .failed(e)
        }
    }

    func connectionError(query: String?) -> PostgresError {
        PostgresError(kind: .connection, message: String(cString: PQerrorMessage(handle)).trimmed, query: query)
    }

    /// Calls `body` with the parameters' count, type OIDs and C strings, valid during the call only.
    private func withParameters<R>(
        _ bindings: [PostgresBinding],
        _ body: (Int32, UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?) -> R
    ) -> R {
        if bindings.isEmpty { return body(0, nil, nil) }
        let types = bindings.map { Oid($0.typeOID) }
        return withOptionalCStringArray(bindings.map(\.text)) { values in
            types.withUnsafeBufferPointer { body(Int32(bindings.count), $0.baseAddress, values) }
        }
    }
}

/// A `PGresult` read from a pipeline, cleared unless taken.
private final class PipelineResult {
    private(set) var pointer: OpaquePointer
    private var owned = true
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    func take() -> OpaquePointer {
        owned = false
        return pointer
    }
    deinit { if owned { PQclear(pointer) } }
}

extension SQLState {
    /// The named prepared statement does not exist (26000).
    public static let invalidSQLStatementName = SQLState("26000")
    /// 0A000, which is also `cached plan must not change result type` for a prepared statement.
    public static let featureNotSupported = SQLState("0A000")
}
