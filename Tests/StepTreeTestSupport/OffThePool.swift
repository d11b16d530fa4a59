import Foundation

/// Runs blocking `work` (waiting for a process, say) on a thread of its own and returns its
/// result. Swift concurrency has one cooperative thread per core; a test that blocks them stalls
/// every other test of the process, and their time limits fail.
public func offThePool<T>(_ work: @escaping () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}

/// Whether `python3 -c "import MODULE"` succeeds here: tests of optional Python tools (such as
/// llama-cpp-python, which CI installs) run only where it does. Waits off the cooperative pool.
public func pythonCanImport(_ module: String) async -> Bool {
    (try? await offThePool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import \(module)"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus == 0
    }) ?? false
}
