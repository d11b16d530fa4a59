import StepTreeCodeVerifier
import Foundation
import StepTreePluginProtocol

/// Small limits so the hostile battery stays cheap: 2 s of CPU, 4 s of wall time, 256 MiB of
/// address space, 8 MiB files, a 16 MiB work directory, 16 processes, 64 KiB of output.
enum SandboxTestSupport {
    static let limits = SandboxLimits(cpuSeconds: 2, wallSeconds: 4, memoryBytes: 256 << 20, fileSizeBytes: 8 << 20,
                                      openFiles: 32, processes: 16, outputBytes: 64 << 10, workDirBytes: 16 << 20)
    static let verifier = CodeVerifier(sandbox: Sandbox(limits: limits))

    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// A Swift product built next to the test runner.
    static func product(_ name: String) -> String {
        URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0])
            .deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// Runs `code` against assert-style `tests` in the sandbox.
    static func judge(_ code: String, _ tests: [String]) throws -> ItemResult {
        try verifier.judge(CodeTask(code: code, mode: .assert, asserts: tests), id: "t")
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
    static func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}
