import StepTreePluginProtocol
#if canImport(Glibc)
import Glibc
#endif

/// Judges code items: builds the program and its tests (`CodeTask`), runs them with the harness
/// in a `Sandbox`, and turns the run into a protocol result.
///
/// - `ok`: the program ran; `score` = tests passed / tests (tests not reported, because the
///   program crashed, exited early or was killed for output, count as failed); `detail` names the
///   first failure;
/// - `timeout`: the wall-clock limit or the CPU-time limit (SIGXCPU) ended the run;
/// - `error`: the sandbox did not start the harness (never reported as a wrong answer);
/// - `unparseable`: the completion has no program.
public struct CodeVerifier: Sendable {
    /// The sandbox every item runs in.
    public var sandbox: Sandbox

    /// Creates a verifier.
    public init(sandbox: Sandbox) {
        self.sandbox = sandbox
    }

    /// The verdict on `item`.
    /// - Throws: `CodeVerifierError` when the item has no usable tests (the plugin reports it as
    ///   `status: error`).
    public func judge(_ item: VerifyItem) throws -> ItemResult {
        let task = try CodeTask(item: item)
        if task.code.allSatisfy(\.isWhitespace) {
            return ItemResult(id: item.id, status: .unparseable, score: 0, detail: "no program in the completion")
        }
        return try judge(task, id: item.id)
    }

    /// The verdict on `task`.
    /// - Throws: `CodeVerifierError.system` when the sandbox cannot be spawned.
    public func judge(_ task: CodeTask, id: String) throws -> ItemResult {
        let nonce = (0..<4).map { _ in String(UInt32.random(in: .min ... .max), radix: 16) }.joined()
        var payload: [String: JSON] = [
            "nonce": .string(nonce), "mode": .string(task.mode.rawValue), "code": .string(task.code),
            "setup": .string(task.setup),
        ]
        payload["tests"] = task.mode == .assert
            ? .array(task.asserts.map { .string($0) })
            : .array(task.cases.map { ["input": .string($0.input), "output": .string($0.output)] })
        let files = [Harness.fileName: Array(Harness.source.utf8), Harness.taskName: Array(JSON.object(payload).text.utf8)]
        let run = try sandbox.run(files: files, script: Harness.fileName)
        return Self.result(of: run, nonce: nonce, tests: task.testCount, id: id, limits: sandbox.limits)
    }

    /// Reads the harness's channel and the run's fate into a result.
    static func result(of run: SandboxRun, nonce: String, tests: Int, id: String, limits: SandboxLimits) -> ItemResult {
        var started = false, done = false
        var passed = Set<Int>()
        var firstFailure: (Int, String)?
        for line in String(decoding: run.channel, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 3)
            guard parts.first.map(String.init) == nonce, parts.count >= 2 else { continue }
            switch parts[1] {
            case "start": started = true
            case "done": done = true
            case "pass": if parts.count > 2, let i = Int(parts[2]), i < tests { passed.insert(i) }
            case "fail":
                if parts.count > 3, let i = Int(parts[2]), firstFailure.map({ i < $0.0 }) ?? true {
                    firstFailure = (i, (try? JSON.parse(String(parts[3])))?.string ?? String(parts[3]))
                }
            default: break
            }
        }
        let tally = "\(passed.count)/\(tests) tests passed"
        if run.timedOut {
            return ItemResult(id: id, status: .timeout, score: 0,
                              detail: "killed at the wall-time limit of \(limits.wallSeconds)s (\(tally))")
        }
        if run.exitStatus == 128 + SIGXCPU {
            return ItemResult(id: id, status: .timeout, score: 0,
                              detail: "killed by SIGXCPU at the CPU limit of \(limits.cpuSeconds)s (\(tally))")
        }
        guard started else {
            let why = run.lastErrorLine.isEmpty ? "exit status \(run.exitStatus.map(String.init) ?? "none")" : run.lastErrorLine
            return ItemResult(id: id, status: .error, score: 0, detail: "sandbox failed before the harness started: \(why)")
        }
        let score = tests == 0 ? 0 : Double(passed.count) / Double(tests)
        var detail: String
        if let (i, reason) = firstFailure {
            detail = "\(tally); first failure (test \(i)): \(reason)"
        } else {
            detail = tally
        }
        if run.outputExceeded {
            detail = "killed: stdout+stderr exceeded \(limits.outputBytes) bytes; " + detail
        } else if !done {
            let status = run.exitStatus.map { $0 > 128 ? "killed by signal \($0 - 128)" : "exit status \($0)" } ?? "killed"
            let last = run.lastErrorLine
            detail = "program ended early (\(status)\(last.isEmpty ? "" : ": " + last)); " + detail
        }
        return ItemResult(id: id, status: .ok, score: score, detail: String(detail.prefix(500)))
    }
}
