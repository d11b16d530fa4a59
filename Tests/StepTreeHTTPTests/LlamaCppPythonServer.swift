import Foundation
import StepTreeTestSupport
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts and stops llama-cpp-python's OpenAI-compatible server on 127.0.0.1, serving
/// Examples/countdown/policy.gguf, for the integration tests. Waiting (for the server to serve or
/// to exit) sleeps the task, never a cooperative thread.
final class LlamaCppPythonServer {
    static let packageRoot = TestPaths.packageRootURL
    static let model = packageRoot.appendingPathComponent("Examples/countdown/policy.gguf")

    /// Whether `python3 -m llama_cpp.server` can run here (the lead's CI script installs it).
    static func isAvailable() async -> Bool { await pythonCanImport("llama_cpp.server.app") }

    static let skipMessage: Comment = "llama-cpp-python is not installed (pip install 'llama-cpp-python[server]'); skipping the real-server tests"

    let port: UInt16
    let log: URL
    private var process: Process?

    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Starts a server on `port` (a free one when nil) and waits until `/v1/models` answers.
    init(port: UInt16? = nil) async throws {
        self.port = try port ?? Self.freePort()
        log = FileManager.default.temporaryDirectory.appendingPathComponent("llama-cpp-python-\(self.port)-\(UUID().uuidString).log")
        try await start()
    }

    /// Kills a server a failed test left running (`stop()` ends it gracefully).
    deinit {
        if let p = process, p.isRunning { _ = Foundation.kill(p.processIdentifier, SIGKILL) }
    }

    /// Starts the server process (again, after `kill`) and waits until it serves.
    func start() async throws {
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let out = try FileHandle(forWritingTo: log)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-m", "llama_cpp.server", "--model", Self.model.path, "--host", "127.0.0.1",
                       "--port", String(port), "--n_ctx", "256", "--n_threads", "1"]
        p.standardOutput = out
        p.standardError = out
        try p.run()
        process = p
        let deadline = Date(timeIntervalSinceNow: 120)
        while Date() < deadline {
            guard p.isRunning else { throw ServerError("llama-cpp-python exited (\(p.terminationStatus)); log: \(tail())") }
            if await Self.get(url.appendingPathComponent("v1/models")) { return }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        await stop()
        throw ServerError("llama-cpp-python did not serve /v1/models within 120 s; log: \(tail())")
    }

    /// Kills the server at once (SIGKILL), as a crash would, and waits until it is gone.
    func kill() async {
        guard let p = process, p.isRunning else { return }
        _ = Foundation.kill(p.processIdentifier, SIGKILL)
        while p.isRunning { try? await Task.sleep(nanoseconds: 10_000_000) }
    }

    /// Stops the server (SIGTERM, then SIGKILL after 5 s).
    func stop() async {
        guard let p = process, p.isRunning else { return }
        p.terminate()
        let deadline = Date(timeIntervalSinceNow: 5)
        while p.isRunning && Date() < deadline { try? await Task.sleep(nanoseconds: 50_000_000) }
        await kill()
    }

    private func tail() -> String {
        String(decoding: ((try? Data(contentsOf: log)) ?? Data()).suffix(1500), as: UTF8.self)
    }

    /// True when a GET answers 200.
    private static func get(_ url: URL) async -> Bool {
        var request = URLRequest(url: url, timeoutInterval: 2)
        request.httpMethod = "GET"
        return await withCheckedContinuation { continuation in
            URLSession.shared.dataTask(with: request) { _, response, _ in
                continuation.resume(returning: (response as? HTTPURLResponse)?.statusCode == 200)
            }.resume()
        }
    }

    /// A port the system reports free right now.
    private static func freePort() throws -> UInt16 {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
                guard bind(fd, p, len) == 0 else { return -1 }
                return getsockname(fd, p, &len)
            }
        }
        guard rc == 0 else { throw ServerError("no free port: errno \(errno)") }
        return UInt16(bigEndian: addr.sin_port)
    }
}

struct ServerError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
