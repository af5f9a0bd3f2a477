// swift-tools-version:6.2
import PackageDescription

// One target per pipeline stage; dependencies point one way:
// capture → network layers → reassembly → Hessian2 → Dubbo wire → correlation → reporting → CLI.
let package = Package(
    name: "DubboInspector",
    products: [
        .executable(name: "dubbo-inspect", targets: ["dubbo-inspect"]),
        // For the libFuzzer package in Fuzz/ (it links the stages it fuzzes; nothing else uses these).
        .library(
            name: "DubboInspectorDecoders",
            targets: ["InspectorCore", "NetworkLayers", "TCPReassembly", "Hessian2", "DubboWire", "TripleWire"]
        ),
        .library(
            name: "DubboInspectorKit",
            targets: [
                "InspectorCore", "PacketCapture", "NetworkLayers", "TCPReassembly", "Hessian2", "DubboWire",
                "TripleWire", "Correlation", "Registry", "Reporting", "InspectorCLI",
            ]
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
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
        .target(name: "InspectorCore"),
        .target(name: "PacketCapture", dependencies: ["CPcap", "InspectorCore"]),
        .target(name: "NetworkLayers", dependencies: ["InspectorCore"]),
        .target(name: "TCPReassembly", dependencies: ["NetworkLayers", "InspectorCore"]),
        .target(name: "Hessian2", dependencies: ["InspectorCore"]),
        .target(name: "DubboWire", dependencies: ["Hessian2", "InspectorCore"]),
        .target(
            name: "TripleWire",
            dependencies: [
                "Hessian2", "InspectorCore", "CZlib",
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(name: "Correlation", dependencies: ["DubboWire", "TripleWire", "NetworkLayers", "InspectorCore"]),
        .target(name: "Registry", dependencies: ["CHiredis", "NetworkLayers", "InspectorCore"]),
        .target(
            name: "Reporting",
            dependencies: [
                "Correlation", "Registry", "DubboWire", "Hessian2", "NetworkLayers", "InspectorCore",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .target(
            name: "LiveMonitoring",
            dependencies: [
                "Reporting", "Correlation", "Registry", "DubboWire", "NetworkLayers", "InspectorCore",
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
                "PacketCapture", "NetworkLayers", "TCPReassembly", "Hessian2", "DubboWire", "TripleWire",
                "Correlation", "Registry", "Reporting", "LiveMonitoring", "TelemetryExport", "InspectorCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "dubbo-inspect", dependencies: ["InspectorCLI"]),

        .testTarget(name: "InspectorCoreTests", dependencies: ["InspectorCore"]),
        .testTarget(name: "PacketCaptureTests", dependencies: ["PacketCapture", "InspectorCore"]),
        .testTarget(name: "NetworkLayersTests", dependencies: ["NetworkLayers", "InspectorCore"]),
        .testTarget(name: "TCPReassemblyTests", dependencies: ["TCPReassembly", "NetworkLayers", "InspectorCore"]),
        .testTarget(name: "Hessian2Tests", dependencies: ["Hessian2", "InspectorCore"]),
        .testTarget(name: "DubboWireTests", dependencies: ["DubboWire", "Hessian2", "InspectorCore"]),
        .testTarget(
            name: "TripleWireTests",
            dependencies: [
                "TripleWire", "Hessian2", "InspectorCore",
                // The HPACK encoder writes the header blocks the tests feed in (an implementation not written here).
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "CorrelationTests", dependencies: ["Correlation", "DubboWire", "NetworkLayers", "InspectorCore"]),
        .testTarget(name: "RegistryTests", dependencies: ["Registry", "NetworkLayers", "InspectorCore"]),
        .testTarget(
            name: "ReportingTests",
            dependencies: ["Reporting", "Correlation", "Registry", "DubboWire", "Hessian2", "NetworkLayers", "InspectorCore"]
        ),
        .testTarget(
            name: "LiveMonitoringTests",
            dependencies: ["LiveMonitoring", "Reporting", "Correlation", "DubboWire", "NetworkLayers", "InspectorCore"]
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
            dependencies: ["InspectorCLI", "Reporting", "Registry", "Correlation", "DubboWire", "InspectorCore"]
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
