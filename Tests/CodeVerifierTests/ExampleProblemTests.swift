import Foundation
import StepTreeCore
import StepTreePluginHost
import StepTreeStore
import Testing

/// The example problem files judged end to end by the real `verifier-code` executable through the
/// plugin host, loaded with the same presets `steptree search` uses.
@Suite("Examples/code through verifier-code", .serialized)
struct ExampleProblemTests {
    typealias S = SandboxTestSupport

    struct Sample: Decodable {
        var file: String
        var task_id: JSON
        var correct: Bool
        var completion: String
    }

    static func samples() throws -> [(EvaluationItem, Bool)] {
        let dir = S.packageRoot + "/Examples/code/"
        var problems: [String: Problem] = [:]
        for name in ["humaneval.jsonl", "mbpp.jsonl"] {
            for p in try ProblemFile(path: dir + name).problems { problems[name + "#" + p.id] = p }
        }
        let text = try String(contentsOfFile: dir + "samples.jsonl", encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let s = try JSONDecoder().decode(Sample.self, from: Data(line.utf8))
            let id = s.task_id.scalarText ?? ""
            let problem = try #require(problems[s.file + "#" + id], "sample for \(s.file) \(id)")
            return (EvaluationItem(problem: problem, steps: [s.completion], finished: true), s.correct)
        }
    }

    @Test func correctProgramsPassAndWrongProgramsFail() async throws {
        let samples = try Self.samples()
        #expect(samples.filter(\.1).count == 6 && samples.filter { !$0.1 }.count == 6)
        let judge = try await PluginEvaluator.launch(executable: S.product("verifier-code"), arguments: ["--workers", "2"])
        #expect(judge.capabilities.version.contains("sandbox: bubblewrap"))
        let outcomes = await judge.evaluate(samples.map(\.0))
        await judge.shutdown()
        for ((item, correct), outcome) in zip(samples, outcomes) {
            #expect(outcome.status == .ok, "\(item.problem.id): \(outcome.detail ?? "")")
            if correct {
                #expect(outcome.score == 1, "\(item.problem.id) correct: \(outcome.detail ?? "")")
            } else {
                #expect(outcome.score < 1, "\(item.problem.id) wrong: \(outcome.detail ?? "")")
                #expect(outcome.detail?.contains("first failure") == true)
            }
        }
    }

    @Test func pluginKeepsServingThroughHostileItems() async throws {
        let good = try Self.samples().first { $0.1 }!.0
        func program(_ code: String) -> EvaluationItem {
            EvaluationItem(problem: Problem(id: "hostile", prompt: "", fields: ["test_list": .array([.string("assert True")])]),
                           steps: ["```python\n" + code + "```\n"], finished: true)
        }
        let items = [
            program("import time\ntime.sleep(1000)\n"), good,
            program("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"), good,
            program("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"), good,
            program("while True:\n    print('y' * 4096)\n"), good,
        ]
        var options = PluginHostOptions()
        options.requestTimeout = 30
        let judge = try await PluginEvaluator.launch(
            executable: S.product("verifier-code"),
            arguments: ["--workers", "2", "--wall-seconds", "2", "--cpu-seconds", "1", "--output-kb", "64"], options: options)
        let outcomes = await judge.evaluate(items)
        let restarts = judge.statistics.restarts
        await judge.shutdown()
        #expect(outcomes.map(\.status) == [.timeout, .ok, .timeout, .ok, .ok, .ok, .ok, .ok], "\(outcomes.map(\.detail))")
        // The parent is the PID namespace's init, which ignores SIGKILL from inside: the program goes on.
        #expect(outcomes[4].score == 1 && outcomes[6].score == 0)
        for i in stride(from: 1, to: 8, by: 2) { #expect(outcomes[i].score == 1, "\(outcomes[i].detail ?? "")") }
        #expect(restarts == 0)
    }

    @Test func refusesWithoutASandboxUnlessTold() async throws {
        let item = try Self.samples().first { $0.1 }!.0
        let refusing = try await PluginEvaluator.launch(executable: S.product("verifier-code"),
                                                        arguments: ["--bwrap", "/nonexistent/bwrap"])
        #expect(refusing.capabilities.version.contains("refusing"))
        let refused = await refusing.evaluate([item])
        await refusing.shutdown()
        #expect(refused[0].status == .error)
        #expect(refused[0].detail?.contains("--unsafe-no-sandbox") == true, "\(refused[0].detail ?? "")")

        let unsafe = try await PluginEvaluator.launch(executable: S.product("verifier-code"),
                                                      arguments: ["--bwrap", "/nonexistent/bwrap", "--unsafe-no-sandbox"])
        #expect(unsafe.capabilities.version.contains("UNSAFE"))
        let judged = await unsafe.evaluate([item])
        await unsafe.shutdown()
        #expect(judged[0].status == .ok && judged[0].score == 1, "\(judged[0].detail ?? "")")
    }
}
