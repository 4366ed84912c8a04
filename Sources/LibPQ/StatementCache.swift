/// What identifies a prepared statement: its SQL text and its parameters' type OIDs (the same text bound with other
/// types is another statement to the server, which fixes the types when it prepares it).
struct StatementKey: Hashable {
    let sql: String
    let types: [UInt32]
}

/// A connection's named prepared statements (`s1`, `s2`, …), least recently used first out.
///
/// The server keeps a named statement until the session ends or it is deallocated; this cache only remembers which
/// of ours exist. An evicted statement is deallocated the next time the connection is outside a transaction (see
/// `Connection.exchange`), so that a failing `DEALLOCATE` can never abort a transaction of the caller's.
struct StatementCache {
    struct Entry {
        let name: String
        var lastUse: UInt64
    }

    /// The most statements kept prepared; 0 turns preparing off.
    private(set) var capacity: Int
    private var entries: [StatementKey: Entry] = [:]
    private var clock: UInt64 = 0
    private var lastNumber: UInt64 = 0
    /// Statements evicted or found stale, to `DEALLOCATE` when the connection is next idle.
    private(set) var pendingDeallocations: [String] = []

    init(capacity: Int) {
        precondition(capacity >= 0, "a statement cache's capacity cannot be negative")
        self.capacity = capacity
    }

    var count: Int { entries.count }

    /// The statement's name if it is prepared, marking it used.
    mutating func name(for key: StatementKey) -> String? {
        guard var entry = entries[key] else { return nil }
        clock += 1
        entry.lastUse = clock
        entries[key] = entry
        return entry.name
    }

    /// Names a statement about to be prepared, evicting the least recently used beyond capacity.
    mutating func insert(_ key: StatementKey) -> String {
        lastNumber += 1
        clock += 1
        let name = "s\(lastNumber)"
        entries[key] = Entry(name: name, lastUse: clock)
        evictBeyondCapacity()
        return name
    }

    /// Forgets a statement; `deallocate` when it still exists on the server.
    mutating func remove(_ key: StatementKey, deallocate: Bool) {
        guard let entry = entries.removeValue(forKey: key) else { return }
        if deallocate && !pendingDeallocations.contains("ALL") { pendingDeallocations.append(entry.name) }
    }

    /// Forgets every statement without deallocating: the server dropped them (`DISCARD ALL`, `DEALLOCATE ALL`, a
    /// pooler that moved us to another server connection).
    mutating func forgetAll() {
        entries.removeAll()
        pendingDeallocations.removeAll()
    }

    /// Forgets every statement and deallocates them all (`DEALLOCATE ALL`) when the connection is next idle: a
    /// statement went stale because a table changed, and a migration seldom changes one table only.
    mutating func invalidateAll() {
        entries.removeAll()
        pendingDeallocations = ["ALL"]
    }

    mutating func setCapacity(_ capacity: Int) {
        precondition(capacity >= 0, "a statement cache's capacity cannot be negative")
        self.capacity = capacity
        evictBeyondCapacity()
    }

    /// The statements to deallocate now (`ALL` for every one: then the cache starts empty, as the server will be).
    mutating func takePendingDeallocations() -> [String] {
        defer { pendingDeallocations.removeAll() }
        if pendingDeallocations.contains("ALL") {
            entries.removeAll()
            return ["ALL"]
        }
        return pendingDeallocations
    }

    private mutating func evictBeyondCapacity() {
        while entries.count > capacity, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            remove(oldest.key, deallocate: true)
        }
    }

    /// Whether the server plans the statement (SELECT, INSERT, UPDATE, DELETE, MERGE, VALUES, TABLE, WITH): what a
    /// named statement saves is parsing and planning. Utility statements (BEGIN, SET, DDL, VACUUM) gain nothing,
    /// and some of them refuse to run as part of a pipeline.
    static func isPlannable(_ sql: String) -> Bool {
        switch firstKeyword(sql) {
        case "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "VALUES", "TABLE", "WITH": true
        default: false
        }
    }

    /// Whether the statement may change what a prepared statement returns (CREATE, ALTER, DROP): a temporary table
    /// made again with other columns, a migration. The server refuses a prepared statement whose result type
    /// changed (0A000), and inside a transaction that cannot be undone by preparing again, so the connection
    /// drops its cache before such a statement instead.
    static func changesSchema(_ sql: String) -> Bool {
        switch firstKeyword(sql) {
        case "CREATE", "ALTER", "DROP": true
        default: false
        }
    }

    /// The statement's first word in upper case, after white space, parentheses and comments; empty when longer
    /// than any word looked for.
    private static func firstKeyword(_ sql: String) -> String {
        var bytes = sql.utf8[...]
        while let b = bytes.first {
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r")
                || b == UInt8(ascii: "(")
            {
                bytes.removeFirst()
            } else if bytes.starts(with: "--".utf8) {
                while let c = bytes.first, c != UInt8(ascii: "\n") { bytes.removeFirst() }
            } else if bytes.starts(with: "/*".utf8) {
                bytes.removeFirst(2)
                while !bytes.isEmpty, !bytes.starts(with: "*/".utf8) { bytes.removeFirst() }
                if !bytes.isEmpty { bytes.removeFirst(2) }
            } else {
                break
            }
        }
        var word: [UInt8] = []
        for b in bytes {
            guard
                (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            else { break }
            word.append(b & ~0x20)  // upper case
            if word.count > 6 { return "" }
        }
        return String(decoding: word, as: UTF8.self)
    }
}
