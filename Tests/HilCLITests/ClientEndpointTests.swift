import HilAPI
import Testing
@testable import HilCLI

@Suite struct ClientEndpointTests {
    @Test func unixURLsAndBarePathsAreSockets() throws {
        #expect(try HildEndpoint(parsing: "unix:///run/hild/hild.sock") == .unix(path: "/run/hild/hild.sock"))
        #expect(try HildEndpoint(parsing: "/tmp/x.sock") == .unix(path: "/tmp/x.sock"))
        #expect(try HildEndpoint(parsing: "relative/hild.sock") == .unix(path: "relative/hild.sock"))
    }

    @Test func httpURLsAreTCPWithAPort() throws {
        #expect(try HildEndpoint(parsing: "http://bench.lan:8080") == .tcp(host: "bench.lan", port: 8080))
        #expect(try HildEndpoint(parsing: "http://127.0.0.1:9/") == .tcp(host: "127.0.0.1", port: 9))
        #expect(try HildEndpoint(parsing: "http://[::1]:8080") == .tcp(host: "::1", port: 8080))
        #expect(HildEndpoint.tcp(host: "::1", port: 8080).description == "http://[::1]:8080")
    }

    @Test(arguments: ["http://bench.lan", "http://bench.lan:0", "http://bench.lan:http", "http://:80",
                      "https://bench.lan:443", "ftp://x", "localhost:8080", "unix://", "", "http://h:1/v1"])
    func badAddressesAreRefusedNamingThem(_ text: String) {
        #expect {
            try HildEndpoint(parsing: text)
        } throws: { error in
            guard let error = error as? ClientError, case .badEndpoint(let given, _) = error else { return false }
            return given == text && error.exitCode == ExitCodes.usage
        }
    }

    @Test func theFlagWinsThenHILD_SOCKETThenTheDefault() throws {
        let env = ["HILD_SOCKET": "/env/hild.sock", "XDG_RUNTIME_DIR": "/run/user/1000"]
        #expect(try HildEndpoint.resolve(host: "http://h:1", environment: env) == .tcp(host: "h", port: 1))
        #expect(try HildEndpoint.resolve(host: nil, environment: env) == .unix(path: "/env/hild.sock"))
        #expect(try HildEndpoint.resolve(host: nil, environment: ["XDG_RUNTIME_DIR": "/run/user/1000"]) == .unix(path: "/run/user/1000/hil/hild.sock"))
    }

    @Test func theTokenComesFromTheFlagElseHILD_TOKEN() throws {
        let fromEnv = try DaemonOptions.parse(["--host", "/s"]).client(environment: ["HILD_TOKEN": "t-env"])
        #expect(fromEnv.token == "t-env")
        let fromFlag = try DaemonOptions.parse(["--host", "/s", "--token", "t-flag"]).client(environment: ["HILD_TOKEN": "t-env"])
        #expect(fromFlag.token == "t-flag")
    }
}
