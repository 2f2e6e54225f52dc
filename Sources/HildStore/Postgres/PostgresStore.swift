import Foundation
import HilAPI

/// The store of a bench of several hosts: one PostgreSQL database that every hild names in its
/// configuration (`store = "postgresql://…"`). Jobs, events, reports and artifacts live there;
/// the state directory keeps only a cache of artifact files and unpacked datasets.
///
/// Each hild claims queued jobs for its own free boards with `FOR UPDATE SKIP LOCKED` and holds
/// them under a lease it renews; a lease not renewed in time is expired by any other hild,
/// which requeues the job once, counting the attempt. Writes for a job are fenced by the lease's
/// generation, so a host that wakes after losing a job cannot write over its new owner.
public final class PostgresStore: JobStore {
    public let directory: URL
    public let artifactLimitBytes: Int
    public let url: String
    /// This hild's name among the bench's hosts.
    public let host: String
    public var sharedHost: String? { host }
    public var location: String { PQConnection.redacted(url) }
    let connection: PQConnection
    /// The local cache of artifact files, each checked against its SHA-256 when it is used.
    let files: ArtifactDirectory
    let encoder = APIJSON.encoder()
    let decoder = APIJSON.decoder()
    let finished = FinishedJobs()

    /// The database's clock in the store's date convention (seconds since 2001-01-01): leases are
    /// compared on one clock, whatever the hosts' clocks say.
    static let databaseNow = "(extract(epoch from clock_timestamp())::float8 - 978307200)"
    /// The channels hilds LISTEN on: a job entered the queue; a job's log grew (payload: its id).
    public static let queueChannel = StoreNotification.queueChannel
    public static let eventsChannel = StoreNotification.eventsChannel

    /// Connects, brings the schema up to date and announces this host.
    public init(url: String, host: String, directory: URL, artifactLimitBytes: Int = 512 << 20) throws(StoreError) {
        self.url = url
        self.host = host
        self.directory = directory
        self.artifactLimitBytes = artifactLimitBytes
        files = try ArtifactDirectory(in: directory)
        do {
            connection = try PQConnection(url: url)
        } catch {
            throw .cannotOpen(PQConnection.redacted(url), "\(error.message); check that the PostgreSQL server is running and the URL names a database this user may use")
        }
        try PostgresSchema.migrate(self)
        try sql("""
            INSERT INTO host (name, started_at, lease_expires) VALUES ($1, \(Self.databaseNow), \(Self.databaseNow))
            ON CONFLICT (name) DO UPDATE SET started_at = excluded.started_at
            """, [.text(host)])
    }

    /// A second connection to the same database, for LISTEN (it blocks while it waits).
    public func listener() throws(StoreError) -> (any StoreListener)? {
        try PostgresListener(url: url, channels: [Self.queueChannel, Self.eventsChannel])
    }

    // MARK: - Access with typed errors

    @discardableResult
    func sql(_ text: String, _ parameters: [PQConnection.Value] = [], binary: Bool = false) throws(StoreError) -> PQConnection.Rows {
        do { return try connection.execute(text, parameters, binaryResult: binary) } catch { throw mapped(error) }
    }

    func transaction<T>(_ body: (PQConnection.Transaction) throws -> T) throws(StoreError) -> T {
        do { return try connection.transaction(body) } catch { throw mapped(error) }
    }

    func mapped(_ error: any Error) -> StoreError {
        if let e = error as? StoreError { return e }
        guard let e = error as? PQConnection.Failure else { return .database(String(describing: error)) }
        switch e.sqlState {
        case "53100": return .diskFull("the PostgreSQL server's data directory (\(location))")
        // No state (the connection itself failed), a shutdown (57P01/57P03) or a connection class (08xxx).
        case let state where state == nil || state == "57P01" || state == "57P03" || state!.hasPrefix("08"):
            return .database("PostgreSQL at \(location) is unreachable: \(e.message); the write is kept and retried")
        default: return .database("\(e) at \(location)")
        }
    }

    // MARK: - Values

    func json<T: Encodable>(_ value: T) throws(StoreError) -> String {
        do { return String(decoding: try encoder.encode(value), as: UTF8.self) } catch {
            throw .database("cannot encode \(T.self) for the store: \(error)")
        }
    }

    func jsonValue<T: Encodable>(_ value: T?) throws(StoreError) -> PQConnection.Value {
        guard let value else { return .null }
        return .text(try json(value))
    }

    func decode<T: Decodable>(_ type: T.Type, _ text: String?, _ place: @autoclosure () -> String) throws(StoreError) -> T {
        guard let text else { throw .corrupt(location, "\(place()) is missing") }
        do { return try decoder.decode(T.self, from: Data(text.utf8)) } catch {
            throw .corrupt(location, "\(place()) is not a valid \(T.self): \(error)")
        }
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, _ text: String?, _ place: @autoclosure () -> String) throws(StoreError) -> T? {
        guard let text else { return nil }
        return try decode(T.self, text, place())
    }

    func enumValue<T: RawRepresentable>(_ type: T.Type, _ raw: String?, _ place: @autoclosure () -> String) throws(StoreError) -> T
    where T.RawValue == String {
        guard let raw, let value = T(rawValue: raw) else {
            throw .corrupt(location, "\(place()) holds '\(raw ?? "NULL")', which is not a \(T.self)")
        }
        return value
    }

    func required<T>(_ value: T?, _ place: @autoclosure () -> String) throws(StoreError) -> T {
        guard let value else { throw .corrupt(location, "\(place()) is missing") }
        return value
    }
}

/// A connection that LISTENs for the bench's notifications: what another host queued, and
/// whose log grew, so followers and schedulers wake without polling.
public final class PostgresListener: StoreListener {
    let connection: PQConnection

    init(url: String, channels: [String]) throws(StoreError) {
        do {
            connection = try PQConnection(url: url)
            for channel in channels { try connection.execute("LISTEN \(channel)") }
        } catch {
            throw .database("cannot listen for notifications at \(PQConnection.redacted(url)): \(error.message)")
        }
    }

    /// Blocks up to `timeout` seconds; empty on timeout.
    public func wait(timeout: Double) throws(StoreError) -> [StoreNotification] {
        do {
            return try connection.waitForNotifications(timeout: timeout).map { StoreNotification(channel: $0.channel, payload: $0.payload) }
        } catch {
            throw .database("the notification connection to PostgreSQL failed: \(error.message)")
        }
    }
}
