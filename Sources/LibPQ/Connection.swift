import CLibPQ
import Foundation

/// How to reach the database: libpq keyword/value pairs. Anything left out falls back to libpq's own
/// `PG*` environment variables (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD…) and defaults.
public struct ConnectionConfiguration: Sendable {
    /// Keyword/value pairs in order; later ones win.
    public var parameters: [(String, String)]

    public init(parameters: [(String, String)] = []) { self.parameters = parameters }

    /// A `postgresql://` URL or a `key=value` connection string; values in it need no escaping by us,
    /// since libpq parses it (passed as `dbname` with `expand_dbname`).
    public init(url: String) { self.parameters = [("dbname", url)] }

    /// `--database-url`, else `DATABASE_URL`, else libpq's `PG*` variables.
    public static func resolve(
        databaseURL: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    )
        -> ConnectionConfiguration
    {
        if let url = databaseURL, !url.isEmpty { return ConnectionConfiguration(url: url) }
        if let url = environment["DATABASE_URL"], !url.isEmpty { return ConnectionConfiguration(url: url) }
        return ConnectionConfiguration()
    }

    /// Returns a copy with one more keyword/value pair (which overrides earlier ones).
    public func with(_ keyword: String, _ value: String) -> ConnectionConfiguration {
        var c = self
        c.parameters.append((keyword, value))
        return c
    }
}

/// Isolation levels for ``Connection/withTransaction(isolation:_:)``.
public enum IsolationLevel: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

/// One libpq connection: the only owner of its `PGconn`, which it finishes exactly once.
///
/// libpq calls block, so a connection is used only from one dedicated thread (see ``ConnectionPool``),
/// never from Swift's cooperative pool. It is deliberately not `Sendable`.
public final class Connection {
    let handle: OpaquePointer
    /// The thread that opened the connection; every later call must come from it.
    let ownerThread: pthread_t
    /// Set when the server announced a FATAL error (e.g. `pg_terminate_backend`); outlives `PQfinish`.
    private let fatalNotice = FatalNoticeFlag()
    /// This session's named prepared statements (see ``preparedStatementCacheSize``).
    var statementCache = StatementCache(capacity: 256)
    var roundTripCount: UInt64 = 0
    /// The transaction of ``withTransaction(isolation:_:)`` while its body runs.
    var transactionScope: TransactionScope?
    var metrics: DatabaseMetrics
    /// Told of every statement this connection sends, after its round trip (see ``StatementObserver``).
    public var statementObserver: (any StatementObserver)?

    /// Opens a connection. Blocks: call only on a thread of your own.
    public static func connect(_ configuration: ConnectionConfiguration) throws -> Connection {
        var params = configuration.parameters
        params.append(("client_encoding", "UTF8"))
        if !params.contains(where: { $0.0 == "application_name" })
            && ProcessInfo.processInfo.environment["PGAPPNAME"] == nil
        {
            params.insert(("application_name", "shinchoku"), at: 0)
        }
        if !params.contains(where: { $0.0 == "connect_timeout" })
            && ProcessInfo.processInfo.environment["PGCONNECT_TIMEOUT"] == nil
        {
            params.insert(("connect_timeout", "10"), at: 0)
        }
        ThreadAudit.record()
        let handle: OpaquePointer? = withCStringArray(params.map(\.0)) { keys in
            withCStringArray(params.map(\.1)) { values in
                PQconnectdbParams(keys, values, 1)
            }
        }
        guard let handle else {
            throw PostgresError(kind: .connection, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            // libpq echoes pieces of a connection string it misread, passwords included.
            let message = configuration.redact(String(cString: PQerrorMessage(handle)).trimmed)
            PQfinish(handle)  // finished even though the connect failed
            throw PostgresError(kind: .connection, message: message.isEmpty ? "could not connect" : message)
        }
        let connection = Connection(handle: handle)
        // Timestamps travel in UTC and ISO style whatever the server's defaults are.
        // Three statements: PQexecParams (behind `execute`) accepts only one, so this goes through PQexec.
        try connection.executeScript(
            unsafeSQL: "SET TIME ZONE 'UTC'; SET datestyle TO 'ISO, YMD'; SET intervalstyle TO 'iso_8601'")
        return connection
    }

    private init(handle: OpaquePointer) {
        self.handle = handle
        self.ownerThread = pthread_self()
        self.metrics = DatabaseMetrics()
        fatalNotice.previous = PQsetNoticeReceiver(
            handle,
            { arg, result in
                guard let arg else { return }
                let flag = Unmanaged<FatalNoticeFlag>.fromOpaque(arg).takeUnretainedValue()
                var severity = ""
                if let result,
                    let p = PQresultErrorField(result, Int32(UInt8(ascii: "V")))  // PG_DIAG_SEVERITY_NONLOCALIZED
                {
                    severity = String(cString: p)
                    if severity == "FATAL" || severity == "PANIC" { flag.raised = true }
                }
                // NOTICE and below ("relation already exists, skipping") are chatter for a CLI user;
                // warnings and worse still reach stderr through libpq's default receiver.
                if ["WARNING", "ERROR", "FATAL", "PANIC"].contains(severity) {
                    flag.previous?(nil, result)  // libpq's default receiver ignores its argument
                }
            }, Unmanaged.passUnretained(fatalNotice).toOpaque())
    }

    deinit {
        ThreadAudit.record()
        PQfinish(handle)
    }

    func checkThread() {
        assert(pthread_equal(pthread_self(), ownerThread) != 0, "a libpq connection was used from a second thread")
        ThreadAudit.record()
    }

    /// Whether the connection is still usable. Reads anything the server sent meanwhile (such as the
    /// notice of a terminated backend) without blocking.
    public var isHealthy: Bool {
        checkThread()
        guard PQstatus(handle) == CONNECTION_OK else { return false }
        var pfd = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        if poll(&pfd, 1, 0) > 0 {
            // Readable while idle: a notice, or the server closing on us.
            for _ in 0..<2 where PQconsumeInput(handle) == 0 { return false }
            while let n = PQnotifies(handle) { PQfreemem(n) }
        }
        // A terminated backend sends its FATAL error before it closes the socket, and its pg_stat_activity
        // row goes before the socket does: the close may not have arrived yet, but the error has.
        return PQstatus(handle) == CONNECTION_OK && !fatalNotice.raised
    }

    /// Whether no transaction is open (one of ``withTransaction(isolation:_:)`` is open from the start of its body,
    /// though its BEGIN waits for its first statement).
    public var isIdle: Bool {
        checkThread()
        return transactionScope == nil && PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    /// The server's version number, e.g. 150018.
    public var serverVersion: Int {
        checkThread()
        return Int(PQserverVersion(handle))
    }

    /// Runs one statement with bound parameters and returns its rows. One round trip; a statement the server
    /// plans runs as a named prepared statement (see ``preparedStatementCacheSize``).
    @discardableResult
    public func query(_ query: SQLQuery) throws -> QueryResult {
        try roundTrip([query], commit: false)[0]
    }

    /// Runs one statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: SQLQuery) throws -> Int {
        try self.query(query).affectedRows
    }

    /// Runs a script of several statements without parameters (migrations). The text is sent as is:
    /// never build it from input.
    public func executeScript(unsafeSQL sql: String) throws {
        checkThread()
        try sendPendingBegin()
        transactionScope?.transactionIDCurrent = false
        if statementCache.count > 0 { statementCache.invalidateAll() }  // a script may change any table
        let start = ContinuousClock.now
        let result = PQexec(handle, sql)
        roundTripCount += 1
        let duration = ContinuousClock.now - start
        metrics.recordRoundTrip(statements: 1, duration: duration)
        statementObserver?.record(
            StatementRecord(sql: sql, bindings: [], roundTrip: roundTripCount, duration: duration, prepared: false))
        _ = try check(result, query: nil)
        // PQexec returns only the last result; errors in earlier statements stop the script and surface here.
    }

    private func check(_ result: OpaquePointer?, query: String?) throws -> QueryResult {
        guard let result else {
            var e = PostgresError(kind: .connection, message: String(cString: PQerrorMessage(handle)).trimmed)
            e.query = query
            throw e
        }
        let owned = QueryResult(result)  // cleared exactly once, by its deinit
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return owned
        default:
            var e = PostgresError(result: result, query: query)
            if PQstatus(handle) != CONNECTION_OK { e.kind = .connection }
            throw e
        }
    }

    /// Runs `body` in a transaction: commits if it returns, rolls back if it throws.
    ///
    /// A failure of the body is rethrown as it is; a failure of BEGIN, COMMIT or ROLLBACK is a
    /// ``PostgresTransactionError`` that says which. A COMMIT whose answer was lost is reported with outcome
    /// `unknown`; the pool's transactions look the outcome up (see `withTransaction(isolation:beforeCommit:lookUpOutcome:_:)`).
    public func withTransaction<T>(
        isolation: IsolationLevel = .readCommitted, _ body: (Connection) throws -> T
    ) throws -> T {
        try withTransaction(isolation: isolation, lookUpOutcome: { _ in .unknown }, body)
    }
}

/// Whether a connection's server sent a FATAL error outside a query; written by libpq's notice receiver,
/// which runs on the connection's own thread.
private final class FatalNoticeFlag {
    var raised = false
    var previous: PQnoticeReceiver?
}

/// The rows of one statement. Owns its `PGresult` and clears it exactly once; read-only, so it may cross threads.
public final class QueryResult: @unchecked Sendable, RandomAccessCollection {
    private let result: OpaquePointer
    /// Column names in order.
    public let columnNames: [String]
    private let columnTypes: [UInt32]
    private let columnIndex: [String: Int]

    init(_ result: OpaquePointer) {
        self.result = result
        let n = Int(PQnfields(result))
        var names: [String] = []
        var types: [UInt32] = []
        var index: [String: Int] = [:]
        for i in 0..<n {
            let name = String(cString: PQfname(result, Int32(i)))
            names.append(name)
            types.append(UInt32(PQftype(result, Int32(i))))
            if index[name] == nil { index[name] = i }
        }
        self.columnNames = names
        self.columnTypes = types
        self.columnIndex = index
    }

    deinit { PQclear(result) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { Int(PQntuples(result)) }
    public subscript(position: Int) -> Row { Row(result: self, index: position) }

    /// Rows affected by INSERT, UPDATE or DELETE; 0 otherwise.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(result))) ?? 0 }

    /// Decodes every row as a tuple: `try result.decode((Int, String).self)`.
    public func decode<each T: PostgresDecodable>(_ types: (repeat each T).Type) throws -> [(repeat each T)] {
        try map { try $0.decode(types) }
    }

    /// The one row of a result that must have exactly one (`SELECT count(*)`, `INSERT … RETURNING`); throws a
    /// decoding error naming the count otherwise, where `result[0]` would trap on an empty result.
    public func single() throws -> Row {
        guard count == 1 else { throw PostgresError.decoding("expected exactly one row, got \(count)") }
        return self[0]
    }

    /// Decodes the one column of every row.
    public func decodeColumn<T: PostgresDecodable>(_ type: T.Type) throws -> [T] {
        try map { try $0.decode(T.self, at: 0) }
    }

    func column(_ i: Int) -> PostgresColumn {
        PostgresColumn(name: columnNames[i], index: i, typeOID: columnTypes[i])
    }

    func index(of name: String) -> Int? { columnIndex[name] }

    func value<T: PostgresDecodable>(row: Int, column i: Int, as: T.Type) throws -> T {
        guard i >= 0, i < columnNames.count else {
            throw PostgresError.decoding("the result has no column at index \(i)")
        }
        let col = column(i)
        if PQgetisnull(result, Int32(row), Int32(i)) == 1 { return try T.decodeNull(column: col) }
        let text = String(cString: PQgetvalue(result, Int32(row), Int32(i)))
        return try T.decode(text: text, column: col)
    }
}

/// One row of a ``QueryResult``.
public struct Row: Sendable {
    let result: QueryResult
    let index: Int

    /// Decodes the column at a position.
    public func decode<T: PostgresDecodable>(_ type: T.Type, at column: Int) throws -> T {
        try result.value(row: index, column: column, as: T.self)
    }

    /// Decodes the first column: `let id = try row.decode(Int.self)`.
    public func decode<T: PostgresDecodable>(_ type: T.Type) throws -> T {
        try result.value(row: index, column: 0, as: T.self)
    }

    /// Decodes a column by name.
    public func decode<T: PostgresDecodable>(_ type: T.Type, column name: String) throws -> T {
        guard let i = result.index(of: name) else {
            throw PostgresError.decoding("the result has no column named \"\(name)\"")
        }
        return try result.value(row: index, column: i, as: T.self)
    }

    /// Decodes a column by name: `try row["login"] as String`.
    public subscript<T: PostgresDecodable>(_ name: String, as type: T.Type = T.self) -> T {
        get throws { try decode(T.self, column: name) }
    }

    /// Decodes the leading columns as a tuple: `let (id, login) = try row.decode((Int, String).self)`.
    public func decode<each T: PostgresDecodable>(_ types: (repeat each T).Type) throws -> (repeat each T) {
        var i = 0
        func next<U: PostgresDecodable>(_ type: U.Type) throws -> U {
            defer { i += 1 }
            return try result.value(row: index, column: i, as: U.self)
        }
        return (repeat try next((each T).self))
    }
}

// MARK: - C strings

/// Calls `body` with a NULL-terminated array of C strings that live for the call only.
private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    withOptionalCStringArray(strings.map { Optional($0) } + [nil], body)
}

/// Calls `body` with an array of C strings (NULL where nil) whose memory stays valid during the call only.
func withOptionalCStringArray<R>(
    _ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R
) -> R {
    // strdup'd copies, freed with free() because strdup allocated them.
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0)! } }
    defer {
        for copy in copies { free(copy) }
    }
    let pointers = copies.map { UnsafePointer($0) }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
