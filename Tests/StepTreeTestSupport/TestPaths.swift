import Foundation

/// Where tests find the repository's files and the products built beside the test runner.
public enum TestPaths {
    /// The package root, found from this file's path (Tests/StepTreeTestSupport/TestPaths.swift).
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The package root as a file URL.
    public static var packageRootURL: URL { URL(fileURLWithPath: packageRoot) }

    /// An executable product (a plugin, `steptree`) built next to the test runner.
    public static func product(_ name: String) -> String {
        URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0])
            .deletingLastPathComponent().appendingPathComponent(name).path
    }
}
