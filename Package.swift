// swift-tools-version:6.2
import PackageDescription

// The commit `dubbo-inspect --version` names: scripts/package.sh passes it in the environment, so stamping it leaves
// the tree clean; a plain `swift build` says "unknown commit". Only ASCII letters, digits, `-` and `+` pass.
let buildCommit = Context.environment["DUBBO_INSPECT_COMMIT"].map { text in
    text.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "+") }
}

// The executable's allocator: mimalloc unless DUBBO_INSPECT_MALLOC=system. The sanitizer builds (scripts/test.sh,
// scripts/tsan.sh) ask for the C library's: their runtimes replace malloc themselves, and memory mimalloc would
// still hand out behind them is memory LeakSanitizer cannot scan.
let linksMimalloc = Context.environment["DUBBO_INSPECT_MALLOC"] != "system"

// One target per pipeline stage; dependencies point one way:
// capture → network layers → reassembly → Hessian2 → Dubbo wire → correlation → analysis pipeline → outputs → CLI.
let package = Package(
    name: "DubboInspector",
    products: [
        .executable(name: "dubbo-inspect", targets: ["dubbo-inspect"]),
        // For the libFuzzer package in Fuzz/ (it links the stages it fuzzes; nothing else uses these).
        .library(
            name: "DubboInspectorDecoders",
            targets: ["InspectorCore", "NetworkLayers", "TCPReassembly", "Hessian2", "FastJSON2", "DubboWire", "TripleWire"]
        ),
        .library(
            name: "DubboInspectorKit",
            targets: [
                "InspectorCore", "PacketCapture", "NetworkLayers", "TCPReassembly", "Hessian2", "FastJSON2",
                "DubboWire", "TripleWire", "Correlation", "AnalysisPipeline", "Registry", "RegistryJoin", "RecordFormats",
                "LatencyReports",
            ]
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Tests only: the reference `OctaveHistogram` (the reports' and the live view's percentiles) is checked against.
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        // HPACK only (TripleWire): the NIOHPACK product, not the HTTP/2 channel handlers.
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.36.0"),
        // OTLP message encoding only (TelemetryExport); traits off so the binary does not link full Foundation.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0", traits: []),
    ],
    targets: [
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Debian's libzookeeper-mt-dev has no pkg-config file; the module map links zookeeper_mt itself.
        .systemLibrary(
            name: "CZooKeeper",
            providers: [.apt(["libzookeeper-mt-dev"])]
        ),
        // The executable's allocator (mimalloc replaces malloc when linked). Records are made on the analysis thread
        // and freed on the record thread; glibc's malloc serialises those frees on the first thread's arena lock.
        // Debian's libmimalloc-dev has no pkg-config file; the module map links mimalloc itself.
        .systemLibrary(
            name: "CMimalloc",
            providers: [.apt(["libmimalloc-dev"])]
        ),
        // Byte scans over payload text with SSE2 (Swift's SIMD types do not compile to vector code here).
        .target(name: "CByteScan"),
        .target(name: "InspectorCore", dependencies: ["CByteScan"]),
        .target(
            name: "CBuildInfo",
            cSettings: buildCommit.map { [.define("DUBBO_INSPECT_COMMIT", to: "\"\($0)\"")] } ?? []
        ),
        .target(name: "PacketCapture", dependencies: ["CPcap", "InspectorCore"]),
        .target(name: "NetworkLayers", dependencies: ["InspectorCore"]),
        .target(name: "TCPReassembly", dependencies: ["NetworkLayers", "InspectorCore"]),
        .target(name: "Hessian2", dependencies: ["InspectorCore"]),
        // fastjson2 JSONB values, decoded into Hessian2's value model (so every serializer renders alike).
        .target(name: "FastJSON2", dependencies: ["Hessian2", "InspectorCore"]),
        .target(name: "DubboWire", dependencies: ["FastJSON2", "Hessian2", "InspectorCore"]),
        .target(
            name: "TripleWire",
            dependencies: [
                "FastJSON2", "Hessian2", "InspectorCore", "CZlib",
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(name: "Correlation", dependencies: ["DubboWire", "TripleWire", "NetworkLayers", "InspectorCore"]),
        // The stages glued into one pipeline: packets in, call records out, the run summary (offline and live).
        .target(
            name: "AnalysisPipeline",
            dependencies: [
                "PacketCapture", "NetworkLayers", "TCPReassembly", "DubboWire", "TripleWire", "Correlation", "InspectorCore",
            ]
        ),
        .target(name: "Registry", dependencies: ["CHiredis", "CZooKeeper", "NetworkLayers", "InspectorCore"]),
        // The registry join: which application provides and calls each call, and whether it was registered.
        .target(name: "RegistryJoin", dependencies: ["Registry", "Correlation", "DubboWire", "NetworkLayers", "InspectorCore"]),
        // Call records as JSON lines, CSV and aligned text, and the terminal-text rules every text output shares.
        .target(
            name: "RecordFormats",
            dependencies: ["RegistryJoin", "Correlation", "DubboWire", "Hessian2", "NetworkLayers", "InspectorCore"]
        ),
        // Latency reports: aggregation, percentiles, comparisons, and their text/JSON/CSV/HTML renderings.
        .target(
            name: "LatencyReports",
            dependencies: [
                "AnalysisPipeline", "RecordFormats", "RegistryJoin", "Registry", "Correlation", "DubboWire", "Hessian2",
                "NetworkLayers", "InspectorCore",
            ]
        ),
        .target(
            name: "LiveMonitoring",
            dependencies: [
                "RecordFormats", "Correlation", "DubboWire", "NetworkLayers", "InspectorCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "TelemetryExport",
            dependencies: [
                "Correlation", "DubboWire", "Hessian2", "NetworkLayers", "InspectorCore",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "InspectorCLI",
            dependencies: [
                "AnalysisPipeline", "PacketCapture", "NetworkLayers", "TCPReassembly", "Hessian2", "DubboWire", "TripleWire",
                "Correlation", "Registry", "RegistryJoin", "RecordFormats", "LatencyReports", "LiveMonitoring", "TelemetryExport",
                "InspectorCore", "CBuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "dubbo-inspect", dependencies: ["InspectorCLI"] + (linksMimalloc ? ["CMimalloc"] : [])),

        // Helpers shared by the test targets (records, seeded random numbers, hex vectors, captures, Redis, tools).
        .target(
            name: "TestSupport",
            dependencies: ["Correlation", "DubboWire", "Hessian2", "NetworkLayers", "InspectorCore"],
            path: "Tests/TestSupport"
        ),
        // HdrHistogram itself is the reference the reports' histogram layout is checked against.
        .testTarget(
            name: "InspectorCoreTests",
            dependencies: ["InspectorCore", "TestSupport", .product(name: "Histogram", package: "hdrhistogram-swift")]
        ),
        .testTarget(name: "PacketCaptureTests", dependencies: ["PacketCapture", "InspectorCore", "TestSupport"]),
        .testTarget(name: "NetworkLayersTests", dependencies: ["NetworkLayers", "InspectorCore", "TestSupport"]),
        .testTarget(name: "TCPReassemblyTests", dependencies: ["TCPReassembly", "NetworkLayers", "InspectorCore", "TestSupport"]),
        .testTarget(name: "Hessian2Tests", dependencies: ["Hessian2", "InspectorCore", "TestSupport"]),
        .testTarget(name: "FastJSON2Tests", dependencies: ["FastJSON2", "Hessian2", "InspectorCore", "TestSupport"]),
        .testTarget(name: "DubboWireTests", dependencies: ["DubboWire", "Hessian2", "InspectorCore", "TestSupport"]),
        .testTarget(
            name: "TripleWireTests",
            dependencies: [
                "TripleWire", "Hessian2", "InspectorCore",
                // The HPACK encoder writes the header blocks the tests feed in (an implementation not written here).
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "CorrelationTests", dependencies: ["Correlation", "DubboWire", "TripleWire", "NetworkLayers", "InspectorCore"]),
        .testTarget(
            name: "AnalysisPipelineTests",
            dependencies: [
                "AnalysisPipeline", "TCPReassembly", "NetworkLayers", "DubboWire", "TripleWire", "Correlation", "InspectorCore",
            ]
        ),
        .testTarget(name: "RegistryTests", dependencies: ["Registry", "NetworkLayers", "InspectorCore", "TestSupport"]),
        .testTarget(
            name: "RecordFormatsTests",
            dependencies: ["RecordFormats", "TestSupport", "Correlation", "DubboWire", "Hessian2", "NetworkLayers", "InspectorCore"]
        ),
        .testTarget(
            name: "LatencyReportsTests",
            dependencies: [
                "LatencyReports", "RecordFormats", "RegistryJoin", "LiveMonitoring", "TestSupport", "Correlation", "Registry",
                "DubboWire", "Hessian2", "NetworkLayers", "InspectorCore",
            ]
        ),
        .testTarget(
            name: "LiveMonitoringTests",
            dependencies: ["LiveMonitoring", "RecordFormats", "TestSupport", "Correlation", "DubboWire", "TripleWire", "NetworkLayers", "InspectorCore"]
        ),
        .testTarget(
            name: "TelemetryExportTests",
            dependencies: [
                "TelemetryExport", "Correlation", "DubboWire", "Hessian2", "NetworkLayers", "InspectorCore", "TripleWire",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "AnalysisPipeline", "LatencyReports", "RecordFormats", "RegistryJoin", "TestSupport", "Registry", "Correlation", "DubboWire", "InspectorCore",
                "LiveMonitoring", "TelemetryExport",
            ]
        ),
    ]
)

// Swift 6 language mode everywhere, plus the upcoming features the style guide asks for.
for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    // The hot path crosses module boundaries on every packet; let release builds specialise across them.
    settings.append(.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)))
    target.swiftSettings = settings
}
