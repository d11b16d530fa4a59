// swift-tools-version:6.0
// StepTree: a tree-search reasoning engine. Module map in README.md.
//
// One outside dependency: swift-argument-parser (the CLI; builds in well under a minute). HTTP uses
// FoundationNetworking's URLSession (free), processes use Glibc's posix_spawn (free), and the C
// libraries come from Debian (libopenblas-dev, libpcre2-dev) as system-library targets.
import PackageDescription

// Swift 5 language mode: the search core is single-owner by design (no shared mutable state), and
// the Swift 6 checker's Sendable annotations on every C pointer wrapper would add noise, not safety.
let settings: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "StepTree",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "steptree", targets: ["steptree"]),
        .executable(name: "verifier-echo", targets: ["verifier-echo"]),
        .executable(name: "verifier-answer", targets: ["verifier-answer"]),
        .executable(name: "verifier-code", targets: ["verifier-code"]),
        .executable(name: "verifier-prm-local", targets: ["verifier-prm-local"]),
        .executable(name: "verifier-prm-http", targets: ["verifier-prm-http"]),
        .library(name: "StepTreeCore", targets: ["StepTreeCore"]),
        .library(name: "StepTreeRuntime", targets: ["StepTreeRuntime"]),
        .library(name: "StepTreePluginKit", targets: ["StepTreePluginKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Libraries
        .target(name: "StepTreeJSON", swiftSettings: settings),
        .target(name: "StepTreeCore", dependencies: ["StepTreeJSON"], swiftSettings: settings),
        .target(name: "StepTreeStore", dependencies: ["StepTreeCore"], swiftSettings: settings),
        .target(name: "StepTreeExport", dependencies: ["StepTreeCore", "StepTreeStore"], swiftSettings: settings),
        .target(name: "StepTreeRuntime", dependencies: ["StepTreeCore", "COpenBLAS", "CPCRE2", "CStepTreeKernels"], swiftSettings: settings),
        .target(name: "StepTreeHTTP", dependencies: ["StepTreeCore"], swiftSettings: settings),
        .target(name: "StepTreePluginProtocol", dependencies: ["StepTreeJSON"], swiftSettings: settings),
        .target(name: "StepTreePluginKit", dependencies: ["StepTreePluginProtocol"], swiftSettings: settings),
        .target(name: "StepTreePluginHost", dependencies: ["StepTreeCore", "StepTreePluginProtocol"], swiftSettings: settings),

        // Quantized matrix kernels (C with run-time AVX2 dispatch): F16/Q8_0 weights read in place.
        .target(name: "CStepTreeKernels"),

        // C shims (Debian: libopenblas-dev, libpcre2-dev)
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8", providers: [.apt(["libpcre2-dev"])]),

        // CLI
        .executableTarget(
            name: "steptree",
            dependencies: [
                "StepTreeCore", "StepTreeStore", "StepTreeExport", "StepTreeRuntime", "StepTreeHTTP", "StepTreePluginHost",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: settings),

        // Plugins: verifier executables, not SwiftPM package plugins, hence the explicit paths.
        .executableTarget(name: "verifier-echo", dependencies: ["StepTreePluginKit"], path: "Plugins/echo", swiftSettings: settings),
        .executableTarget(name: "verifier-answer", dependencies: ["StepTreePluginKit", "CPCRE2"], path: "Plugins/answer",
                          exclude: ["README.md"], swiftSettings: settings),
        .target(name: "StepTreeCodeVerifier", dependencies: ["StepTreePluginProtocol"], path: "Plugins/code/Library", swiftSettings: settings),
        .executableTarget(name: "verifier-code", dependencies: ["StepTreeCodeVerifier", "StepTreePluginKit"], path: "Plugins/code",
                          exclude: ["README.md", "Library"], swiftSettings: settings),
        .executableTarget(name: "verifier-prm-local", dependencies: ["StepTreePluginKit", "StepTreeRuntime"], path: "Plugins/prm-local",
                          exclude: ["README.md", "add_value_head.py"], swiftSettings: settings),
        .executableTarget(name: "verifier-prm-http", dependencies: ["StepTreePluginKit"], path: "Plugins/prm-http",
                          exclude: ["README.md", "fake_vllm_pooling.py"], swiftSettings: settings),

        // Test support
        .target(name: "StepTreeTestSupport", dependencies: ["StepTreeCore"], path: "Tests/StepTreeTestSupport", swiftSettings: settings),

        // Tests
        .testTarget(name: "StepTreeJSONTests", dependencies: ["StepTreeJSON"], swiftSettings: settings),
        .testTarget(name: "StepTreeCoreTests", dependencies: ["StepTreeCore", "StepTreeTestSupport"], swiftSettings: settings),
        .testTarget(name: "StepTreeStoreTests", dependencies: ["StepTreeStore", "StepTreeTestSupport"], swiftSettings: settings),
        .testTarget(name: "StepTreeExportTests", dependencies: ["StepTreeExport", "StepTreeStore", "StepTreeTestSupport"],
                    swiftSettings: settings),
        .testTarget(name: "StepTreeRuntimeTests", dependencies: ["StepTreeRuntime", "StepTreeTestSupport"], swiftSettings: settings),
        .testTarget(name: "StepTreeHTTPTests", dependencies: ["StepTreeHTTP", "StepTreeTestSupport"], swiftSettings: settings),
        .testTarget(name: "CodeVerifierTests", dependencies: ["StepTreeCodeVerifier", "StepTreePluginHost", "StepTreeStore", "StepTreeTestSupport"],
                    swiftSettings: settings),
        .testTarget(name: "PRMVerifierTests", dependencies: ["verifier-prm-local", "verifier-prm-http", "StepTreeRuntime", "StepTreeHTTP", "StepTreeTestSupport"],
                    exclude: ["Recorded"], swiftSettings: settings),
        .testTarget(name: "StepTreePluginTests", dependencies: ["StepTreePluginHost", "StepTreePluginKit", "StepTreeTestSupport"], swiftSettings: settings),
    ]
)
