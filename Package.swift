// swift-tools-version: 6.0
// hil: a hardware-in-the-loop bench for TinyML on STM32.
// The layout follows the path of a job; see docs/architecture.md.
import PackageDescription

let package = Package(
    name: "hil",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hilctl", targets: ["hilctl"]),
        .executable(name: "hild", targets: ["hild"]),
        .library(name: "STLink", targets: ["STLink"]),
        .library(name: "Deployer", targets: ["Deployer"]),
        .library(name: "MockBoard", targets: ["MockBoard"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
    ],
    targets: [
        // libusb-1.0 behind a two-file system library: no C type leaks past Sources/STLink/LibUSB.
        .systemLibrary(
            name: "CLibUSB",
            pkgConfig: "libusb-1.0",
            providers: [.apt(["libusb-1.0-0-dev"])]
        ),
        // The int8 model runtime and the device side of the harness protocol: C written once,
        // compiled here for the host (reference predictions, the mock board) and by
        // arm-none-eabi-gcc into the firmware.
        // Optimised even in debug builds: the host reference and the mock board run every
        // inference through it, and at -O0 a large model takes seconds a sample.
        .target(name: "CHilRuntime", cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),
        .target(name: "CHarness", dependencies: ["CHilRuntime"]),
        // Image decoding for datasets, by the libraries everyone uses.
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        // Their decoders behind setjmp/longjmp error handlers, which Swift cannot write.
        .target(name: "CImageDecode", dependencies: ["CPNG", "CJPEG"]),
        // The USB/IP wire (the Linux kernel's usbip protocol): headers, device records, descriptors
        // as values, and a blocking TCP socket. Shared by STLink's client and the mock-board server.
        .target(name: "USBIP"),
        // USB transport (libusb, USB/IP), ST-LINK commands, Cortex-M debug, target identification, STM32F7 flashing.
        .target(name: "STLink", dependencies: ["CLibUSB", "USBIP"]),
        // An emulated ST-LINK/V2-1 in front of an emulated STM32F746, behind STLink's transport,
        // and its export as a USB/IP device.
        // Unicorn (Debian's libunicorn-dev) behind a two-file system library: the mock board's
        // Cortex-M7 instruction set; no C type leaks past Sources/MockBoard/Core/UnicornCPU.swift.
        .systemLibrary(name: "CUnicorn", pkgConfig: "unicorn", providers: [.apt(["libunicorn-dev"])]),
        .target(name: "MockBoard", dependencies: ["STLink", "Deployer", "CHarness", "CHilRuntime", "USBIP", "CUnicorn"],
                // Optimised in debug builds too: the emulated core calls back into it on every block.
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // The GDB remote serial protocol (a probe backend for QEMU, OpenOCD, pyOCD, st-util, J-Link).
        .target(name: "GDBRemote"),
        // A QEMU board: qemu-system-arm supervised, loaded over GDB, its UART on a pty.
        .target(name: "QEMUBoard", dependencies: ["GDBRemote"]),
        // Firmware images, board definitions and the deployment sequence.
        .target(name: "Deployer", dependencies: ["STLink", "USBIP", "CHilRuntime", "CPNG", "CJPEG", "CImageDecode"]),
        // hilctl's commands, as a library so tests can drive them.
        .target(
            name: "HilCLI",
            dependencies: [
                "STLink", "Deployer", "MockBoard", "QEMUBoard", "HilAPI", "CHilRuntime", "USBIP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(name: "hilctl", dependencies: ["HilCLI"]),

        // ---- The bench daemon: udev → registry → scheduler → deployment → store → API → hilctl ----
        // libudev behind a two-file system library.
        .systemLibrary(name: "CUdev", pkgConfig: "libudev", providers: [.apt(["libudev-dev"])]),
        // The HTTP API's value types and the service it asks of the daemon; shared by hild and hilctl.
        .target(name: "HilAPI"),
        // udev: the initial enumeration and the hot-plug monitor for ST-LINK probes and their ttys.
        .target(name: "Discovery", dependencies: ["CUdev"]),
        // SQLite (GRDB): boards seen, jobs, events, results, reports; content-addressed artifacts.
        // libpq (Debian's libpq-dev) behind a two-file system library: the shared store of a bench of
        // several hosts; no C type leaks past Sources/HildStore/Postgres/PQConnection.swift.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "HildStore", dependencies: ["HilAPI", "CHilRuntime", "CLibPQ", .product(name: "GRDB", package: "GRDB.swift")]),
        // The bench: registry, scheduler, job execution on boards, config, metrics.
        .target(
            name: "Bench",
            dependencies: [
                "HilAPI", "HildStore", "Discovery", "Deployer", "STLink", "MockBoard", "QEMUBoard", "USBIP",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The HTTP/JSON API (Hummingbird) on a Unix socket and optionally TCP with a bearer token.
        .target(
            name: "HildHTTP",
            dependencies: [
                "HilAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "hild",
            dependencies: [
                "Bench", "HildHTTP", "HilAPI", "MockBoard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Benchmarks print figures; they are run on purpose, never by the test command.
        .executableTarget(
            name: "flash-benchmark",
            dependencies: ["STLink", "Deployer", "MockBoard"],
            path: "Benchmarks/FlashBenchmark"
        ),
        .executableTarget(
            name: "stream-benchmark",
            dependencies: ["Deployer", "MockBoard", "STLink"],
            path: "Benchmarks/StreamBenchmark",
            exclude: ["make_model.py", "pool-dense-32x32x3.hilm"]
        ),
        // ---- Reliability (docs/reliability.md): commands that print figures and fail when one falls short ----
        .executableTarget(
            name: "fault-matrix",
            dependencies: ["Bench", "Deployer", "HilAPI", "HildStore", "MockBoard",
                           .product(name: "Logging", package: "swift-log")],
            path: "Reliability/FaultMatrix"
        ),
        // ---- Fuzzing (docs/reliability.md): the parsers of untrusted bytes as fuzz targets ----
        .target(name: "FuzzTargets", dependencies: ["Deployer", "CHilRuntime", "CHarness", "USBIP", "GDBRemote", "HilAPI"]),
        // A libFuzzer binary when scripts/fuzz builds it with -sanitize=fuzzer -DHIL_FUZZ (libFuzzer
        // then supplies main, hence -parse-as-library); a corpus replayer in a plain build.
        .executableTarget(name: "hil-fuzz", dependencies: ["FuzzTargets"],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "firmware-benchmark",
            dependencies: ["Deployer", "MockBoard", "QEMUBoard", "GDBRemote", "CHilRuntime"],
            path: "Benchmarks/FirmwareBenchmark"
        ),
        .executableTarget(
            name: "emulated-board-benchmark",
            dependencies: ["Deployer", "MockBoard", "STLink"],
            path: "Benchmarks/EmulatedBoardBenchmark"
        ),
        .executableTarget(
            name: "asl-benchmark",
            dependencies: ["Deployer", "HilCLI"],
            path: "Benchmarks/ASLBenchmark"
        ),
        .executableTarget(
            name: "usbip-benchmark",
            dependencies: ["STLink", "Deployer", "MockBoard", "USBIP"],
            path: "Benchmarks/USBIPBenchmark"
        ),
        .executableTarget(
            name: "bench-benchmark",
            // PostgresTestCluster: the throwaway server of the --farm mode (several hilds, one shared store).
            dependencies: ["HilCLI", "HilAPI", "PostgresTestCluster"],
            path: "Benchmarks/BenchBenchmark"
        ),
        .testTarget(name: "STLinkTests", dependencies: ["STLink", "MockBoard"]),
        .testTarget(name: "USBIPTests", dependencies: ["USBIP", "STLink", "MockBoard", "Deployer"]),
        .testTarget(name: "MockBoardTests", dependencies: ["MockBoard", "STLink"]),
        .testTarget(name: "DeployerTests", dependencies: ["Deployer", "MockBoard", "STLink"], exclude: ["Fixtures"]),
        .testTarget(name: "RuntimeTests", dependencies: ["CHilRuntime"]),
        .testTarget(name: "HarnessTests", dependencies: ["CHarness", "CHilRuntime", "Deployer"]),
        .testTarget(name: "DatasetTests", dependencies: ["Deployer", "CHilRuntime"]),
        .testTarget(name: "GDBRemoteTests", dependencies: ["GDBRemote"]),
        .testTarget(name: "FuzzTests", dependencies: ["FuzzTargets"]),
        .testTarget(name: "QEMUBoardTests", dependencies: ["QEMUBoard", "GDBRemote"]),
        .testTarget(name: "FirmwareTests", dependencies: ["Deployer", "STLink", "MockBoard"]),
        .testTarget(name: "DiscoveryTests", dependencies: ["Discovery"]),
        // A throwaway PostgreSQL server for the tests of the shared store and of the bench on it.
        .target(name: "PostgresTestCluster", path: "Tests/Support/PostgresTestCluster"),
        .testTarget(name: "HildStoreTests", dependencies: ["HildStore", "HilAPI", "PostgresTestCluster"]),
        .testTarget(name: "BenchTests", dependencies: ["Bench", "HilAPI", "HildStore", "Discovery", "Deployer", "MockBoard", "PostgresTestCluster"]),
        .testTarget(
            name: "HildHTTPTests",
            dependencies: [
                "HildHTTP", "HilAPI",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // hild and hilctl as separate processes over the Unix socket (built products, not libraries).
        .testTarget(name: "EndToEndTests", dependencies: ["HilAPI"]),
        .testTarget(name: "HilCLITests", dependencies: ["HilCLI", "MockBoard", "Deployer", "STLink", "QEMUBoard", "HilAPI"]),
    ]
)
