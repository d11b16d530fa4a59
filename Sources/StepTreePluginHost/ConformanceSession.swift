import Foundation
import StepTreePluginProtocol

/// A raw session with a plugin process: bytes in, parsed messages out, with timeouts.
final class ConformanceSession: @unchecked Sendable {
    enum Received {
        case ok(JSON)
        case failed(String)
    }

    private let lock = NSLock()
    private var queue: [Received] = []
    private var ended = false
    private(set) var process: PluginProcess!

    init(_ executable: String, _ arguments: [String]) throws {
        var options = PluginHostOptions()
        options.log = { _ in }
        options.maxLineBytes = 16 << 20
        process = try PluginProcess(
            name: (executable as NSString).lastPathComponent, executable: executable, arguments: arguments, options: options,
            onLine: { [weak self] line in
                let item: Received
                switch line {
                case .tooLong(let size): item = .failed("stdout line of \(size)+ bytes")
                case .line(let bytes):
                    do {
                        let json = try JSON.parse(bytes)
                        _ = try Message(json: json)
                        item = .ok(json)
                    } catch {
                        item = .failed("stdout line is not a protocol message (\(error)): "
                            + String(decoding: bytes.prefix(80), as: UTF8.self).debugDescription)
                    }
                }
                self?.lock.withLock { self?.queue.append(item) }
            },
            onEnd: { [weak self] in self?.lock.withLock { self?.ended = true } })
    }

    func send(_ bytes: [UInt8]) { process.write(bytes) }
    func close() { process.closeStdin() }

    func next(timeout: Double) async -> Received {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let (item, isEnded): (Received?, Bool) = lock.withLock {
                queue.isEmpty ? (nil, ended) : (queue.removeFirst(), ended)
            }
            if let item { return item }
            if isEnded {
                await process.waitForLastWords()
                return .failed("the plugin closed stdout (\(process.exitDescription)); last stderr: "
                               + process.recentStderr.suffix(3).joined(separator: " | "))
            }
            if Date() >= deadline { return .failed("no message within \(timeout) s") }
            try? await Task.sleep(nanoseconds: 1_000_000)
        }
    }

    func stop() {
        process.closeStdin()
        process.kill(SIGKILL)
    }
}
