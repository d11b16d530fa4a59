import Foundation
import StepTreeCore
import StepTreePluginHost
import StepTreeTestSupport

/// Paths and helpers shared by the plugin tests.
enum PluginTestSupport {
    static var packageRoot: String { TestPaths.packageRoot }
    static func product(_ name: String) -> String { TestPaths.product(name) }

    static let misbehaving = packageRoot + "/Tests/Fixtures/plugins/misbehaving-plugin"

    /// Options with short timeouts and a log that the test can read.
    static func options(_ log: LogSink, timeout: Double = 1, retries: Int = 2) -> PluginHostOptions {
        var o = PluginHostOptions()
        o.requestTimeout = timeout
        o.cancelGrace = 1
        o.handshakeTimeout = 5
        o.shutdownGrace = 0.5
        o.maxRetries = retries
        o.maxRestarts = 5
        o.log = { log.append($0) }
        return o
    }

    static func item(_ steps: [String], reference: String? = "18", fields: [String: JSON] = [:],
                     finished: Bool = true, id: String = "p") -> EvaluationItem {
        EvaluationItem(problem: Problem(id: id, prompt: "question\n", reference: reference, fields: fields),
                       steps: steps, finished: finished)
    }

    /// Items for the misbehaving plugin: odd ones end in "good" (score 1), even ones in "bad".
    static func goodBad(_ count: Int) -> [EvaluationItem] {
        (0..<count).map { item(["step\n", $0 % 2 == 1 ? "good" : "bad"]) }
    }
}

/// Collects log lines from the host.
final class LogSink: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
