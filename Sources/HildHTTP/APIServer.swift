import Foundation
import HilAPI
import Hummingbird
import Logging
import ServiceLifecycle

/// Both listeners as one ServiceLifecycle `Service`. `run()` returns when the enclosing
/// ServiceGroup shuts down gracefully: Hummingbird stops accepting, finishes in-flight requests,
/// and event streams end; the socket file is removed on the way out.
///
/// ```swift
/// let api = APIServer(service: bench, configuration: config, logger: logger)
/// let group = ServiceGroup(services: [bench, api], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
public struct APIServer: Service {
    let service: any BenchService
    let configuration: APIServerConfiguration
    let logger: Logger

    public init(service: any BenchService, configuration: APIServerConfiguration, logger: Logger) {
        self.service = service; self.configuration = configuration; self.logger = logger
    }

    public func run() async throws {
        try configuration.validate()
        let path = configuration.unixSocketPath
        try UnixSocketFile.prepare(path)
        defer { UnixSocketFile.remove(path) }

        // If the mode cannot be set, the socket closes at once (fail closed) and run() reports why.
        let failure = FailureBox()
        let logger = self.logger
        let unix = Application(
            router: makeAPIRouter(service: service, configuration: configuration, requireToken: false),
            configuration: ApplicationConfiguration(address: .unixDomainSocket(path: path), serverName: "hild"),
            onServerRunning: { channel in
                do throws(APIServerError) {
                    try UnixSocketFile.restrict(path)
                    logger.info("API listening on \(path) (mode 0660)")
                } catch {
                    failure.set(error)
                    try? await channel.close()
                }
            },
            logger: logger)
        var listeners: [any Service] = [unix]
        if let tcp = configuration.tcp {
            listeners.append(Application(
                router: makeAPIRouter(service: service, configuration: configuration, requireToken: true),
                configuration: ApplicationConfiguration(address: .hostname(tcp.host, port: tcp.port), serverName: "hild"),
                logger: logger))
        }
        // A group of its own: one listener failing (port taken) stops the other, and the parent
        // group's graceful shutdown reaches both (ServiceGroup forwards it to nested groups).
        try await ServiceGroup(services: listeners, logger: logger).run()
        if let error = failure.get() { throw error }
    }
}

/// Carries an error out of Hummingbird's `onServerRunning` callback, which cannot throw.
private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var error: APIServerError?
    func set(_ error: APIServerError) { lock.withLock { self.error = error } }
    func get() -> APIServerError? { lock.withLock { error } }
}
