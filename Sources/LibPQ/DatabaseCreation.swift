extension Connection {
    /// Creates the database `name`: from `template` when given (a copy of it, in its encoding), else empty, from
    /// `template0`, in UTF-8 whatever the cluster's default encoding. Throws `PostgresError` with SQLSTATE 42P04
    /// (duplicate_database) when it exists. Runs outside any transaction: PostgreSQL refuses CREATE DATABASE in one.
    public func createDatabase(_ name: String, template: String? = nil) throws {
        let sql: SQLQuery =
            template.map { "CREATE DATABASE \(identifier: name) TEMPLATE \(identifier: $0)" }
            ?? "CREATE DATABASE \(identifier: name) TEMPLATE template0 ENCODING 'UTF8'"
        _ = try execute(sql)
    }

    /// Creates the empty UTF-8 database `name` unless it exists; returns whether it created it. One made by
    /// another session between the check and the creation counts as existing.
    @discardableResult
    public func createDatabaseIfMissing(_ name: String) throws -> Bool {
        if try query("SELECT 1 FROM pg_database WHERE datname = \(name)").count > 0 { return false }
        do {
            try createDatabase(name)
            return true
        } catch  where error.postgresError?.sqlState == .duplicateDatabase {
            return false
        }
    }
}
