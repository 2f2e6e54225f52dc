import CLibPQ
import Foundation

/// One libpq connection, used by one caller at a time (the lock), with parameters and results in
/// text form except where a parameter is bytes. The only file that sees a C type of libpq.
///
/// libpq is synchronous, like SQLite: a store call is a short blocking round trip on loopback or
/// the lab network, made from hild's actor as its SQLite calls are. It needs no Swift task to
/// make progress, so it cannot deadlock the two-thread cooperative pool the way an async client
/// awaited from synchronous code could.
final class PQConnection: @unchecked Sendable {
    /// A parameter: text (numbers go as their decimal text), bytes (bytea, sent in binary), or NULL.
    enum Value: Sendable {
        case text(String)
        case bytes(Data)
        case null

        static func int(_ v: Int64?) -> Value { v.map { .text(String($0)) } ?? .null }
        static func int(_ v: Int?) -> Value { v.map { .text(String($0)) } ?? .null }
        static func double(_ v: Double?) -> Value { v.map { .text(String($0)) } ?? .null }
        static func string(_ v: String?) -> Value { v.map { .text($0) } ?? .null }
        static func bool(_ v: Bool) -> Value { .text(v ? "true" : "false") }
    }

    /// A result's rows, columns by name, values as libpq's text (or raw bytes with `binary`).
    struct Rows: Sendable {
        var columns: [String]
        var values: [[Data?]]
        var affected: Int
        var count: Int { values.count }
        /// nil for SQL NULL, an unknown column or a row past the end (an UPDATE … RETURNING that
        /// matched nothing): callers turn a missing value into a typed error, never a trap.
        subscript(row: Int, column: String) -> Data? {
            guard values.indices.contains(row), let c = columns.firstIndex(of: column) else { return nil }
            return values[row][c]
        }
        func string(_ row: Int, _ column: String) -> String? { self[row, column].map { String(decoding: $0, as: UTF8.self) } }
        func int(_ row: Int, _ column: String) -> Int64? { string(row, column).flatMap { Int64($0) } }
        func double(_ row: Int, _ column: String) -> Double? { string(row, column).flatMap { Double($0) } }
        func bool(_ row: Int, _ column: String) -> Bool? { string(row, column).map { $0 == "t" || $0 == "true" } }
    }

    /// A failed call: the server's SQLSTATE when it answered, and its message.
    struct Failure: Error, Sendable, CustomStringConvertible {
        var sqlState: String?
        var message: String
        var description: String { message + (sqlState.map { " (SQLSTATE \($0))" } ?? "") }
        /// The connection itself is gone (server down, network): worth a reconnect and a retry.
        var isConnectionLost: Bool { sqlState == nil || sqlState!.hasPrefix("08") || sqlState == "57P01" }
    }

    let url: String
    private let lock = NSLock()
    private var conn: OpaquePointer?

    init(url: String) throws(Failure) {
        self.url = url
        try locked { () throws(Failure) in try connectLocked() }
    }

    deinit { if let conn { PQfinish(conn) } }

    /// NSLock.withLock with the body's typed error.
    private func locked<T>(_ body: () throws(Failure) -> T) throws(Failure) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func connectLocked() throws(Failure) {
        if let conn { PQfinish(conn); self.conn = nil }
        guard let c = PQconnectdb(url) else { throw Failure(message: "libpq could not allocate a connection") }
        guard PQstatus(c) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(c)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(c)
            throw Failure(message: message)
        }
        conn = c
        // Notices ("relation already exists, skipping") would go to stderr otherwise.
        PQsetNoticeProcessor(c, { _, _ in }, nil)
    }

    /// Runs `sql` with $1… parameters. Reconnects once when the connection was lost before the
    /// statement (a restarted server), never inside a transaction the caller holds.
    @discardableResult
    func execute(_ sql: String, _ parameters: [Value] = [], binaryResult: Bool = false) throws(Failure) -> Rows {
        try locked { () throws(Failure) in try executeLocked(sql, parameters, binaryResult: binaryResult, mayReconnect: true) }
    }

    /// BEGIN … COMMIT around `body`, holding the connection for its whole length; any error rolls back.
    func transaction<T>(_ body: (Transaction) throws -> T) throws -> T {
        try lock.withLock {
            _ = try executeLocked("BEGIN", [], binaryResult: false, mayReconnect: true)
            do {
                let value = try body(Transaction(connection: self))
                _ = try executeLocked("COMMIT", [], binaryResult: false, mayReconnect: false)
                return value
            } catch {
                _ = try? executeLocked("ROLLBACK", [], binaryResult: false, mayReconnect: false)
                throw error
            }
        }
    }

    /// The connection inside a transaction (the lock is already held).
    struct Transaction {
        fileprivate let connection: PQConnection
        @discardableResult
        func execute(_ sql: String, _ parameters: [Value] = [], binaryResult: Bool = false) throws(Failure) -> Rows {
            try connection.executeLocked(sql, parameters, binaryResult: binaryResult, mayReconnect: false)
        }
    }

    fileprivate func executeLocked(_ sql: String, _ parameters: [Value], binaryResult: Bool, mayReconnect: Bool) throws(Failure) -> Rows {
        if conn == nil || PQstatus(conn) != CONNECTION_OK {
            guard mayReconnect else { throw Failure(message: "the connection to PostgreSQL was lost") }
            try connectLocked()
        }
        do {
            return try run(sql, parameters, binaryResult: binaryResult)
        } catch where mayReconnect && error.isConnectionLost && PQstatus(conn) != CONNECTION_OK {
            try connectLocked()
            return try run(sql, parameters, binaryResult: binaryResult)
        }
    }

    private func run(_ sql: String, _ parameters: [Value], binaryResult: Bool) throws(Failure) -> Rows {
        // Every parameter's bytes stay alive until PQexecParams returns.
        let lengths: [Int32] = parameters.map { if case let .bytes(d) = $0 { Int32(d.count) } else { 0 } }
        // Text is NUL-terminated; empty bytes get one byte so their pointer is not NULL (NULL is SQL NULL).
        let buffers: [Data?] = parameters.map {
            switch $0 {
            case let .text(s): var d = Data(s.utf8); d.append(0); return d
            case let .bytes(d): return d.isEmpty ? Data([0]) : d
            case .null: return nil
            }
        }
        let formats: [Int32] = parameters.map { if case .bytes = $0 { 1 } else { 0 } }
        // Without parameters, the simple protocol: it takes several statements at once (a migration).
        let result: OpaquePointer? = parameters.isEmpty && !binaryResult ? PQexec(conn, sql) : withPointers(buffers) { pointers in
            PQexecParams(conn, sql, Int32(parameters.count), nil, pointers, lengths, formats, binaryResult ? 1 : 0)
        }
        guard let result else { throw Failure(message: lastError()) }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let state = PQresultErrorField(result, 0x43 /* 'C': PG_DIAG_SQLSTATE */).map { String(cString: $0) }
            let message = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
            throw Failure(sqlState: state, message: message.isEmpty ? lastError() : message)
        }
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var values: [[Data?]] = []
        let rowCount = Int(PQntuples(result))
        values.reserveCapacity(rowCount)
        for r in 0..<rowCount {
            values.append((0..<columnCount).map { c in
                if PQgetisnull(result, Int32(r), Int32(c)) == 1 { return nil }
                let length = Int(PQgetlength(result, Int32(r), Int32(c)))
                return Data(bytes: PQgetvalue(result, Int32(r), Int32(c)), count: length)
            })
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return Rows(columns: columns, values: values, affected: affected)
    }

    private func lastError() -> String {
        guard let conn else { return "not connected" }
        return String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func withPointers<R>(_ buffers: [Data?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafePointer<CChar>?] = []
        func step(_ i: Int) -> R {
            if i == buffers.count { return body(pointers) }
            guard let buffer = buffers[i] else { pointers.append(nil); return step(i + 1) }
            return buffer.withUnsafeBytes { raw in
                pointers.append(raw.baseAddress!.assumingMemoryBound(to: CChar.self))
                return step(i + 1)
            }
        }
        return step(0)
    }

    // MARK: - LISTEN

    /// Waits up to `timeout` seconds for notifications on channels this connection LISTENs to.
    /// Returns their (channel, payload) pairs; empty on timeout. For a connection used only for this.
    func waitForNotifications(timeout: Double) throws(Failure) -> [(channel: String, payload: String)] {
        try locked { () throws(Failure) in
            guard let conn, PQstatus(conn) == CONNECTION_OK else { throw Failure(message: "the listening connection to PostgreSQL was lost") }
            var found = drain(conn)
            if !found.isEmpty { return found }
            var fds = pollfd(fd: PQsocket(conn), events: Int16(POLLIN), revents: 0)
            let ready = poll(&fds, 1, Int32(timeout * 1000))
            if ready > 0 {
                guard PQconsumeInput(conn) == 1 else { throw Failure(message: lastError()) }
                found = drain(conn)
            }
            return found
        }
    }

    private func drain(_ conn: OpaquePointer) -> [(channel: String, payload: String)] {
        var out: [(String, String)] = []
        while let n = PQnotifies(conn) {
            out.append((String(cString: n.pointee.relname), String(cString: n.pointee.extra)))
            PQfreemem(n)
        }
        return out
    }

    /// `url` with any password hidden, for messages.
    static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return url }
        if parts.password != nil { parts.password = "***" }
        return parts.string ?? url
    }
}
