import Foundation
import StepTreeCore
import StepTreeTestSupport
import Testing
@testable import StepTreeHTTP

/// The generators over real sockets against a scripted loopback server.
@Suite struct GeneratorLoopbackTests {
    let fast = HTTPGeneratorOptions(deadline: 10, maxRetries: 4, initialBackoff: 0.01, maxBackoff: 0.05, maxInFlight: 64)

    @Test func nativeNIsOneRequestAndFanOutIsOneRequestPerDerivedSeed() async throws {
        let server = try RecordingServer { entry, _ in
            entry.path == "/tokenize" ? RecordingServer.json(["tokens": [1, 2]]) : RecordingServer.completions(for: entry.body)
        }
        defer { server.stop() }
        let native = OpenAICompletionsGenerator(endpoints: [server.url], backend: .vllm, options: fast)
        #expect(native.capabilities.nativeMultipleSamples)
        let a = try await native.generate([.root(1, samples: 3, seed: 77)])[0]
        #expect(a.failure == nil)
        #expect(a.samples.count == 3)
        #expect(server.recorded("/v1/completions").count == 1)

        let fanned = OpenAICompletionsGenerator(endpoints: [server.url], backend: .llamaCppPython, options: fast)
        #expect(!fanned.capabilities.nativeMultipleSamples)
        let b = try await fanned.generate([.root(2, samples: 3, seed: 77)])[0]
        let seeds = (0..<3).map { SeedDerivation.derive(77, $0) }
        // Samples come back in seed order, whatever order the requests finished in.
        #expect(b.samples.map(\.text) == seeds.map { "s\($0)-0\n" })
        #expect(b.samples.allSatisfy { $0.finish == .stop && $0.logprobs == [-1, -0.5] })
        let sent = server.recorded("/v1/completions").dropFirst()
        #expect(Set(sent.compactMap { $0.body["seed"]?.int }) == Set(seeds))
        #expect(sent.allSatisfy { $0.body["n"] == nil })
        #expect(b.cost.generatedTokens == 6)
    }

    @Test func tokenPromptsTokenizeTheRootOncePerProblem() async throws {
        let server = try RecordingServer { entry, _ in
            entry.path == "/tokenize" ? RecordingServer.json(["tokens": [1, 2, 3], "count": 3]) : RecordingServer.completions(for: entry.body)
        }
        defer { server.stop() }
        let g = OpenAICompletionsGenerator(endpoints: [server.url], backend: .vllm, options: fast)
        let root = PrefixSegment(text: "nums: 3 7 25 4 target: 61\n", key: .init(problem: 4, node: 0))
        let withTokens = PrefixSegment(text: "step: 25 + 4 = 29 | 3 7 29\n", tokens: [40, 41], key: .init(problem: 4, node: 1))
        let textOnly = PrefixSegment(text: "step: 7 - 3 = 4 | 4 25 4\n", key: .init(problem: 4, node: 2))
        let results = try await g.generate([
            StepRequest(id: 1, prefix: [root]), StepRequest(id: 2, prefix: [root, withTokens]),
            StepRequest(id: 3, prefix: [root, textOnly]),
        ])
        #expect(results.allSatisfy { $0.failure == nil })
        #expect(results.map(\.id) == [1, 2, 3])
        let tokenize = server.recorded("/tokenize")
        #expect(tokenize.count == 1)
        #expect(tokenize[0].body["prompt"] == .string(root.text))
        let prompts = Set(server.recorded("/v1/completions").compactMap { $0.body["prompt"] })
        #expect(prompts == [[1, 2, 3], [1, 2, 3, 40, 41], .string(root.text + textOnly.text)])
        #expect(results[0].samples[0].tokens == [100, 10])

        // Released problems are tokenized again when they come back.
        await g.release([root.key])
        _ = try await g.generate([StepRequest(id: 4, prefix: [root])])
        #expect(server.recorded("/tokenize").count == 2)
    }

    @Test func chatTemplateRendersTheRootThroughTokenize() async throws {
        let server = try RecordingServer { entry, _ in
            switch entry.path {
            case "/tokenize": return RecordingServer.json(["tokens": [9, 8, 7]])
            case "/detokenize": return RecordingServer.json(["prompt": "<|user|>nums<|assistant|>"])
            default: return RecordingServer.completions(for: entry.body)
            }
        }
        defer { server.stop() }
        var options = fast
        options.useChatTemplate = true
        let g = OpenAICompletionsGenerator(endpoints: [server.url], backend: .vllm, options: options)
        let r = try await g.generate([.root(1)])[0]
        #expect(r.failure == nil)
        let tokenize = try #require(server.recorded("/tokenize").first)
        #expect(tokenize.body["messages"] == [["role": "user", "content": "nums: 3 7 25 4 target: 61\n"]])
        #expect(tokenize.body["add_generation_prompt"] == true)
        let completion = try #require(server.recorded("/v1/completions").first)
        #expect(completion.body["prompt"] == [9, 8, 7])
        #expect(completion.body["add_special_tokens"] == false)

        // A backend without a template route says so per request instead of sending text.
        let plain = OpenAICompletionsGenerator(endpoints: [server.url], backend: .llamaCppPython, options: options)
        let f = try await plain.generate([.root(2)])[0]
        #expect(f.failure?.contains("cannot render chat templates") == true)
    }

    @Test func retriesOn429And5xxAndResetThenSucceeds() async throws {
        let server = try RecordingServer { entry, count in
            switch count {
            case 0: return RecordingServer.json(["error": "busy"], status: 429)
            case 1: return RecordingServer.json(["error": "oops"], status: 503)
            case 2: return .dropConnection
            default: return RecordingServer.completions(for: entry.body)
            }
        }
        defer { server.stop() }
        let g = OpenAICompletionsGenerator(endpoints: [server.url], backend: .llamaCppPython, options: fast)
        let r = try await g.generate([.root(1, seed: 3)])[0]
        #expect(r.failure == nil)
        #expect(r.samples.count == 1)
        // The dropped connection had been kept alive, so its job may take a fresh connection
        // once without counting a retry.
        #expect(g.statistics.retries >= 2)
        #expect(server.recorded("/v1/completions").count == 4)
    }

    @Test func clientErrorsFailAtOnceAndExhaustedRetriesBecomeFailures() async throws {
        let server = try RecordingServer { entry, _ in
            entry.body["seed"] == .number(Double(SeedDerivation.derive(1, 0)))
                ? RecordingServer.json(["error": "bad model"], status: 400)
                : RecordingServer.json(["error": "down"], status: 500)
        }
        defer { server.stop() }
        let g = OpenAICompletionsGenerator(endpoints: [server.url], backend: .llamaCppPython, options: fast)
        let results = try await g.generate([.root(1, seed: 1), .root(2, seed: 2)])
        #expect(results[0].samples.isEmpty)
        #expect(results[0].failure?.contains("HTTP 400") == true)
        #expect(results[0].failure?.contains("bad model") == true)
        #expect(results[1].failure?.contains("after 5 attempts") == true)
        #expect(server.recorded("/v1/completions").count == 1 + 5)
        #expect(g.statistics.failures == 2)
    }

    @Test func deadlineEndsARequestTheServerSitsOn() async throws {
        let server = try RecordingServer { entry, _ in
            Thread.sleep(forTimeInterval: 12)
            return RecordingServer.completions(for: entry.body)
        }
        var options = fast
        options.deadline = 0.3
        let g = OpenAICompletionsGenerator(endpoints: [server.url], backend: .vllm, options: options)
        let start = Date()
        let r = try await g.generate([.root(1)])[0]
        // Before the handler's 12 s answer (an answered request would have no failure); the margin
        // absorbs the start-up burst of the whole suite on 2 loaded cores.
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(r.failure?.contains("deadline") == true)
        // Stopping waits for the handler still sitting on the request: not on a cooperative thread.
        try await offThePool { server.stop() }
    }

    @Test func serverRestartedOnTheSamePortMidRun() async throws {
        var server = try RecordingServer { entry, _ in RecordingServer.completions(for: entry.body) }
        let port = server.server.port
        var options = fast
        options.maxRetries = 20
        options.maxBackoff = 0.1
        let g = OpenAICompletionsGenerator(endpoints: [server.url], backend: .llamaCppPython, options: options)
        #expect(try await g.generate([.root(1)])[0].failure == nil)
        server.stop()
        // Down: connections refused (and the kept-alive one closed) until it is back.
        let pending = Task { try await g.generate((2...21).map { .root($0, seed: $0) }) }
        try await Task.sleep(nanoseconds: 300_000_000)
        server = try RecordingServer(port: port) { entry, _ in RecordingServer.completions(for: entry.body) }
        defer { server.stop() }
        let results = try await pending.value
        #expect(results.allSatisfy { $0.failure == nil && $0.samples.count == 1 })
        #expect(g.statistics.retries > 0)
        #expect(server.recorded("/v1/completions").count == 20)
    }

    @Test func leastOutstandingDispatchSpreadsAndRoutesAroundADeadEndpoint() async throws {
        let a = try RecordingServer { entry, _ in RecordingServer.completions(for: entry.body) }
        let b = try RecordingServer { entry, _ in RecordingServer.completions(for: entry.body) }
        defer { a.stop(); b.stop() }
        let g = OpenAICompletionsGenerator(endpoints: [a.url, b.url], backend: .llamaCppPython, options: fast)
        let results = try await g.generate((1...40).map { .root($0, seed: $0) })
        #expect(results.allSatisfy { $0.failure == nil })
        #expect(a.recorded.count > 5 && b.recorded.count > 5)
        #expect(a.recorded.count + b.recorded.count == 40)

        let dead = try RecordingServer { _, _ in .dropConnection }
        let deadURL = dead.url
        dead.stop()
        var patient = fast
        patient.maxRetries = 10
        let h = OpenAICompletionsGenerator(endpoints: [deadURL, a.url], backend: .llamaCppPython, options: patient)
        let routed = try await h.generate((1...20).map { .root($0, seed: $0) })
        #expect(routed.allSatisfy { $0.failure == nil })
    }

    @Test func llamaServerTokenizesOnceSendsTokensAndReappendsTheStopWord() async throws {
        let server = try RecordingServer { entry, count in
            if entry.path == "/tokenize" { return RecordingServer.json(["tokens": [1, 50, 51]]) }
            let word: JSON = count % 2 == 0 ? "word" : "eos"
            return RecordingServer.json(["content": "step: 1 + 2 = 3", "stop_type": word, "stopping_word": word == "word" ? "\n" : "",
                                         "tokens": [60, 61], "tokens_predicted": 2, "tokens_evaluated": 3,
                                         "completion_probabilities": [["id": 60, "logprob": -0.5], ["id": 61, "logprob": -0.25]]])
        }
        defer { server.stop() }
        let g = LlamaServerGenerator(endpoints: [server.url], options: fast)
        let r = try await g.generate([.root(1, samples: 2, seed: 5)])[0]
        #expect(r.failure == nil)
        #expect(Set(r.samples.map(\.text)) == ["step: 1 + 2 = 3\n", "step: 1 + 2 = 3"])
        #expect(Set(r.samples.map(\.finish)) == [.stop, .endOfSequence])
        #expect(r.samples.allSatisfy { $0.tokens == [60, 61] && $0.logprobs == [-0.5, -0.25] })
        #expect(server.recorded("/tokenize").count == 1)
        #expect(server.recorded("/tokenize")[0].body["content"] == "nums: 3 7 25 4 target: 61\n")
        #expect(server.recorded("/completion").allSatisfy { $0.body["prompt"] == [1, 50, 51] && $0.body["cache_prompt"] == true })
    }

    @Test func ollamaSendsRawTextAndFansOut() async throws {
        let server = try RecordingServer { _, _ in
            RecordingServer.json(["response": "step: 1 + 2 = 3", "done": true, "done_reason": "stop", "eval_count": 2,
                                  "logprobs": [["token": "step: 1 + 2 = 3", "logprob": -0.5], ["token": "\n", "logprob": -0.1]]])
        }
        defer { server.stop() }
        let g = OllamaGenerator(endpoints: [server.url], options: HTTPGeneratorOptions(model: "countdown", maxRetries: 0))
        let r = try await g.generate([.root(1, samples: 2)])[0]
        #expect(r.samples.map(\.text) == ["step: 1 + 2 = 3\n", "step: 1 + 2 = 3\n"])
        #expect(server.recorded("/api/generate").allSatisfy { $0.body["raw"] == true && $0.body["model"] == "countdown" })
        #expect(server.recorded("/api/generate").count == 2)
    }

    @Test func hundredsOfRequestsInFlightOpenHundredsOfConnections() async throws {
        let server = try RecordingServer { entry, _ in RecordingServer.completions(for: entry.body) }
        defer { server.stop() }
        var options = fast
        options.maxInFlight = 400
        let g = OpenAICompletionsGenerator(endpoints: [server.url], backend: .llamaCppPython, options: options)
        let results = try await g.generate((0..<800).map { .root(RequestID($0), seed: UInt64($0)) })
        #expect(results.allSatisfy { $0.failure == nil })
        // Not the 6 connections per host of URLSession's default: the limit is the in-flight limit.
        #expect(g.statistics.maxInFlight <= 400)
        #expect(server.server.statistics.maxConnections > 50)
        #expect(server.server.statistics.maxConnections <= 400)
    }

    @Test func cancellingTheCallingTaskClosesTheExchange() async throws {
        let server = try RecordingServer { entry, _ in
            Thread.sleep(forTimeInterval: 12)
            return RecordingServer.completions(for: entry.body)
        }
        let g = OpenAICompletionsGenerator(endpoints: [server.url], backend: .llamaCppPython, options: fast)
        let start = Date()
        let run = Task { try await g.generate([.root(1)]) }
        try await Task.sleep(nanoseconds: 200_000_000)
        run.cancel()
        let r = try await run.value[0]
        // Before the handler's 12 s answer (an answered request would have no failure); the margin
        // absorbs the start-up burst of the whole suite on 2 loaded cores.
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(r.failure?.contains("cancelled") == true)
        #expect(g.statistics.retries == 0)
        try await offThePool { server.stop() } // (waits for the handler, as above)
    }
}
