import Foundation
import GRDB

/// Looks into the database for tests and for hild's start-up log (which journal mode and
/// durability the store really runs with).
extension BenchStore {
    /// A pragma's value as the writer connection sees it (synchronous is per connection, and
    /// only the writer commits).
    func pragma(_ name: String) throws(StoreError) -> String? {
        do {
            return try pool.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA \(name)") }
        } catch {
            throw StoreError.from(error, path: databasePath)
        }
    }

    /// Runs SQL on the writer outside a transaction (pragmas such as max_page_count).
    func executeOnWriter(_ sql: String) throws(StoreError) {
        do {
            try pool.writeWithoutTransaction { db in try db.execute(sql: sql) }
        } catch {
            throw StoreError.from(error, path: databasePath)
        }
    }

    /// SQLite's plan for a query, one line per step ("SEARCH job USING INDEX job_queue (state=?)").
    /// Parameters are bound to NULL: the plan depends on the query's shape, not on the values.
    func queryPlan(_ sql: String) throws(StoreError) -> [String] {
        let nulls = StatementArguments(Array(repeating: DatabaseValue.null, count: sql.filter { $0 == "?" }.count))
        return try read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: nulls).map { row in
                try row.decode(String.self, forColumn: "detail")
            }
        }
    }

    func tableNames() throws(StoreError) -> Set<String> {
        try read { db in
            Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
        }
    }

    func appliedMigrations() throws(StoreError) -> Set<String> {
        try read { db in try Schema.migrator.appliedIdentifiers(db) }
    }
}
