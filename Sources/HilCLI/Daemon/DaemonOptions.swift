import ArgumentParser
import Foundation
import HilAPI

/// How to reach hild; shared by every command that talks to the daemon.
struct DaemonOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Where hild listens: unix:///path/to/hild.sock, a socket path, or http://HOST:PORT (default: $HILD_SOCKET, else $XDG_RUNTIME_DIR/hil/hild.sock, else /tmp/hil-<uid>/hild.sock).", valueName: "ADDRESS"))
    var host: String?

    @Option(help: ArgumentHelp("The bearer token hild asks for on TCP (default: $HILD_TOKEN).", valueName: "TOKEN"))
    var token: String?

    func client(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> HildClient {
        do {
            let endpoint = try HildEndpoint.resolve(host: host, environment: environment)
            return HildClient(endpoint: endpoint, token: token ?? environment["HILD_TOKEN"])
        } catch {
            throw commandFailure(error)
        }
    }
}

/// Runs a daemon command's async work and turns its errors into a message on stderr and the exit
/// status that says whose fault it was (ClientError.exitCode; local input errors are refusals).
func withDaemon<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    do { return try blocking(body) } catch { throw commandFailure(error) }
}

func commandFailure(_ error: any Error) -> any Error {
    switch error {
    case let error as ClientError:
        note("error: \(error)")
        return ExitCode(error.exitCode)
    case is SubmitInputError, is ArchiveError, is ReportJSON.Failure, is OutputError:
        note("error: \(error)")
        return ExitCode(ExitCodes.failed)
    default:
        return error   // ExitCode, ValidationError, CancellationError: argument-parser handles them
    }
}

/// Pretty JSON on stdout, in the API's conventions.
func printJSON(_ value: some Encodable) throws {
    print(String(decoding: try APIJSON.encoder(pretty: true).encode(value), as: UTF8.self))
}
