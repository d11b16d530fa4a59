import Foundation
import StepTreeCore
import Testing
@testable import StepTreeHTTP

/// The OpenAI-compatible generator against a real llama-cpp-python server serving the Countdown
/// policy. Skipped, saying so, when llama-cpp-python is not installed.
@Suite(.serialized, .enabled(LlamaCppPythonServer.skipMessage) { await LlamaCppPythonServer.isAvailable() })
struct LlamaCppPythonIntegrationTests {
    // Retries bounded by the deadline, so a restarting server (seconds on a busy machine) is waited for.
    let options = HTTPGeneratorOptions(deadline: 120, maxRetries: 400, initialBackoff: 0.05, maxBackoff: 0.5, maxInFlight: 8)

    func request(_ id: RequestID, _ prompt: String, samples: Int = 1, temperature: Double = 1, maxTokens: Int = 48,
                 seed: UInt64 = 0, problem: UInt32 = 0) -> StepRequest {
        StepRequest(id: id, prefix: [PrefixSegment(text: prompt, key: .init(problem: problem, node: 0))], samples: samples,
                    sampling: .init(temperature: temperature), stop: "\n", maxTokens: maxTokens, seed: seed)
    }

    @Test func samplesFanOutWithStopsLogprobsAndReproducibleSeeds() async throws {
        let server = try await LlamaCppPythonServer()
        let g = OpenAICompletionsGenerator(endpoints: [server.url], backend: .llamaCppPython, options: options)
        #expect(!g.capabilities.nativeMultipleSamples)
        #expect(g.capabilities.returnsLogprobs)

        let prompt = "nums: 3 7 25 4 target: 61\n"
        let first = try await g.generate([request(1, prompt, samples: 4, seed: 11)])[0]
        #expect(first.failure == nil)
        // The server ignores n: four samples need four requests.
        #expect(first.samples.count == 4)
        #expect(g.statistics.attempts == 4)
        for s in first.samples {
            let lp = try #require(s.logprobs)
            #expect(!lp.isEmpty || s.finish == .endOfSequence)
            #expect(lp.allSatisfy { $0 <= 0 })
            switch s.finish {
            case .stop:
                // The delimiter the server stripped is back, once, at the end.
                #expect(s.text.hasSuffix("\n"))
                #expect(s.text.filter { $0 == "\n" }.count == 1)
            case .endOfSequence, .length: #expect(!s.text.contains("\n"))
            case .cancelled: Issue.record("no request was cancelled")
            }
        }
        // Same seeds, same samples: the seeds of sample i derive from (seed, i) only. The logprobs
        // agree to float noise (llama.cpp's last digits vary between runs).
        let again = try await g.generate([request(2, prompt, samples: 4, seed: 11)])[0]
        #expect(again.samples.map(\.text) == first.samples.map(\.text))
        #expect(again.samples.map(\.finish) == first.samples.map(\.finish))
        for (a, b) in zip(again.samples, first.samples) {
            let (la, lb) = (a.logprobs ?? [], b.logprobs ?? [])
            #expect(la.count == lb.count && zip(la, lb).allSatisfy { abs($0 - $1) < 1e-3 }, "\(a.text.debugDescription)")
        }
        #expect(first.cost.generatedTokens > 0)
        await server.stop()
    }

    @Test func lengthLimitAndMultiStepPrefixes() async throws {
        let server = try await LlamaCppPythonServer()
        let g = OpenAICompletionsGenerator(endpoints: [server.url], backend: .llamaCppPython, options: options)
        let short = try await g.generate([request(1, "nums: 3 7 25 4 target: 61\n", temperature: 0, maxTokens: 2)])[0]
        #expect(short.failure == nil)
        #expect(short.samples.first?.finish == .length)
        #expect(short.samples.first?.logprobs?.count == 2)

        // A prefix of several segments is sent as their concatenated text.
        let prefix = [PrefixSegment(text: "nums: 3 7 25 4 target: 61\n", key: .init(problem: 1, node: 0)),
                      PrefixSegment(text: "step: 25 + 4 = 29 | 3 7 29\n", key: .init(problem: 1, node: 1))]
        let greedy = StepRequest(id: 2, prefix: prefix, sampling: .init(temperature: 0), stop: "\n", maxTokens: 48)
        let a = try await g.generate([greedy, greedy])
        #expect(a.allSatisfy { $0.failure == nil })
        #expect(a[0].samples.map(\.text) == a[1].samples.map(\.text))
        // The second request reuses the server's cached prefix; logprobs agree to float noise.
        let (l0, l1) = (a[0].samples.first?.logprobs ?? [], a[1].samples.first?.logprobs ?? [])
        #expect(l0.count == l1.count && zip(l0, l1).allSatisfy { abs($0 - $1) < 1e-3 })
        await server.stop()
    }

    /// Greedy decoding through the server reproduces the training script's torch greedy
    /// continuation (neutral samplers sent: top_k 0, top_p 1, min_p 0, repeat_penalty 1). The
    /// golden continuation may be cut at the script's length cap, so the request asks for as many
    /// tokens as it has (the model's tokens are bytes) and compares the first step line.
    @Test func greedyMatchesTheTorchGolden() async throws {
        let golden = try JSON.decode(Data(contentsOf: LlamaCppPythonServer.packageRoot
            .appendingPathComponent("Tests/Fixtures/countdown/policy-golden.json")))
        let cases = try #require(golden["cases"]?.array)
        let server = try await LlamaCppPythonServer()
        let g = OpenAICompletionsGenerator(endpoints: [server.url], backend: .llamaCppPython, options: options)
        for (i, c) in cases.enumerated() {
            let prompt = try #require(c["prompt"]?.string)
            let expected = try #require(c["greedy_text"]?.string)
            let firstLine = expected.firstIndex(of: "\n").map { String(expected[...$0]) } ?? expected
            let r = try await g.generate([request(RequestID(i), prompt, temperature: 0, maxTokens: expected.utf8.count,
                                                  problem: UInt32(i))])[0]
            #expect(r.samples.first?.text == firstLine, "case \(i): \(prompt)")
        }
        await server.stop()
    }

    @Test func retriesCarryARunAcrossAServerKilledAndRestarted() async throws {
        let server = try await LlamaCppPythonServer()
        let g = OpenAICompletionsGenerator(endpoints: [server.url], backend: .llamaCppPython, options: options)
        let batch = (0..<24).map { request(RequestID($0), "nums: 3 7 25 4 target: 61\n", maxTokens: 24, seed: UInt64($0)) }
        let run = Task { try await g.generate(batch) }
        // Let some requests get under way, then crash the server and bring it back on its port.
        while g.statistics.attempts < 4 { try await Task.sleep(nanoseconds: 20_000_000) }
        await server.kill()
        try await server.start()
        let results = try await run.value
        #expect(results.allSatisfy { $0.failure == nil && $0.samples.count == 1 }, "\(results.compactMap(\.failure).prefix(3))")
        #expect(g.statistics.retries > 0)
        #expect(g.statistics.failures == 0)
        await server.stop()
    }
}
