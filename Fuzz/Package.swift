// swift-tools-version:6.2
import PackageDescription

// libFuzzer targets for dubbo-inspect, kept out of the main package so its build stays lean.
// Build and run with scripts/fuzz.sh (it passes --sanitize=fuzzer --sanitize=address).
//
// The main package is found at `..`; DUBBO_INSPECTOR_ROOT overrides that (for fuzzing another checkout).
let root = Context.environment["DUBBO_INSPECTOR_ROOT"] ?? ".."

/// One executable per fuzz target: libFuzzer provides `main` and calls `LLVMFuzzerTestOneInput`. The decoder
/// targets need only the decoding modules (`DubboInspectorDecoders`); the pipeline needs the whole tool.
let decoders = Target.Dependency.product(name: "DubboInspectorDecoders", package: "DubboInspector")
let kit = Target.Dependency.product(name: "DubboInspectorKit", package: "DubboInspector")
let targets: [(String, Target.Dependency)] = [
    ("FuzzHessian", decoders),
    ("FuzzJSONB", decoders),
    ("FuzzDubboStream", decoders),
    ("FuzzTriple", decoders),
    ("FuzzDissector", decoders),
    ("FuzzReassembly", decoders),
    ("FuzzPipeline", kit),
    ("FuzzRegistryURL", kit),
    ("FuzzZooKeeper", kit),
]

let package = Package(
    name: "DubboInspectorFuzz",
    dependencies: [
        .package(name: "DubboInspector", path: root),
    ],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: [decoders]
        ),
    ]
        + targets.map { name, library in
            .executableTarget(
                name: name,
                dependencies: ["FuzzSupport", library],
                // No top-level code: libFuzzer's own `main` drives the target.
                swiftSettings: [.unsafeFlags(["-parse-as-library"])]
            )
        }
)

for target in package.targets {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
