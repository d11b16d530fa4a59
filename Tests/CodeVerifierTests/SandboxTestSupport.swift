import StepTreeCodeVerifier
import Foundation
import StepTreePluginProtocol
import StepTreeTestSupport

/// Small limits so the hostile battery stays cheap: 2 s of CPU, 4 s of wall time, 256 MiB of
/// address space, 8 MiB files, a 16 MiB work directory, 16 processes, 64 KiB of output.
enum SandboxTestSupport {
    static let limits = SandboxLimits(cpuSeconds: 2, wallSeconds: 4, memoryBytes: 256 << 20, fileSizeBytes: 8 << 20,
                                      openFiles: 32, processes: 16, outputBytes: 64 << 10, workDirBytes: 16 << 20)
    static let verifier = CodeVerifier(sandbox: Sandbox(limits: limits))

    static var packageRoot: String { TestPaths.packageRoot }
    static func product(_ name: String) -> String { TestPaths.product(name) }

    /// Runs `code` against assert-style `tests` in the sandbox.
    static func judge(_ code: String, _ tests: [String]) async throws -> ItemResult {
        try await judge(CodeTask(code: code, mode: .assert, asserts: tests), id: "t")
    }

    /// Judges `task` with `verifier`, off the cooperative threads.
    static func judge(_ task: CodeTask, id: String, with verifier: CodeVerifier = verifier) async throws -> ItemResult {
        try await offThePool { try verifier.judge(task, id: id) }
    }

    /// Runs blocking `work` (a sandbox run waits up to its wall limit) on a thread of its own:
    /// Swift concurrency has one cooperative thread per core, and a test holding them stalls
    /// every other test of the process.
    static func offThePool<T>(_ work: @escaping () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }

    /// Whether a process whose command line contains `marker` is alive on the host.
    static func hostProcess(containing marker: String) -> Bool {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { Int($0) != nil } ?? []
        return pids.contains { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(marker)
        }
    }

    /// Waits up to `seconds` for `condition`.
    static func eventually(_ seconds: Double, _ condition: () -> Bool) async -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return condition()
    }
}
