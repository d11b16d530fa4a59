import Foundation
import StepTreeCore
import StepTreeTestSupport
import Testing
@testable import StepTreeRuntime

/// The checked-in Countdown policy against PyTorch's numbers for the same file
/// (Tests/Fixtures/countdown/policy-golden.json, written with the model by train_policy.py).
struct CountdownGoldenTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            var prompt: String
            var prompt_tokens: [Int32]
            var logits: [[Float]]
            var greedy_text: String
            var greedy_tokens: [Int32]
        }
        var cases: [Case]
    }

    static let root = TestPaths.packageRootURL
    static let modelPath = root.appendingPathComponent("Examples/countdown/policy.gguf").path
    static let fixture = try! JSONDecoder().decode(
        Fixture.self, from: Data(contentsOf: root.appendingPathComponent("Tests/Fixtures/countdown/policy-golden.json")))

    @Test func tokenizesPromptsLikeTraining() throws {
        let model = try LanguageModel(path: Self.modelPath)
        for c in Self.fixture.cases {
            #expect(model.tokenizer.encode(c.prompt) == c.prompt_tokens)
            #expect(model.tokenizer.decode(c.prompt_tokens) == c.prompt)
        }
    }

    @Test(arguments: [Matmul.blas, .naive])
    func logitsMatchPyTorch(matmul: Matmul) throws {
        let model = try LanguageModel(path: Self.modelPath, matmul: matmul)
        for c in Self.fixture.cases {
            let logits = try model.logits(c.prompt_tokens)
            for (position, expected) in c.logits.enumerated() {
                let worst = zip(logits[position], expected).map { abs($0 - $1) }.max() ?? 0
                #expect(worst < 1e-3, "prompt \(c.prompt.debugDescription) position \(position): max |Δlogit| \(worst)")
            }
        }
    }
}

extension CountdownGoldenTests {
    @Test func greedyContinuationsMatchPyTorch() async throws {
        let generator = try EmbeddedGenerator(modelPath: Self.modelPath)
        let requests = Self.fixture.cases.enumerated().map { i, c in
            StepRequest(id: RequestID(i), prefix: [PrefixSegment(text: c.prompt, key: SegmentKey(problem: UInt32(i), node: 0))],
                        sampling: .init(temperature: 0), stop: "\u{0}", maxTokens: c.greedy_tokens.count)
        }
        // The fixture writer appends EOS to every continuation, also when PyTorch stopped at its
        // token limit, so the comparison covers the continuation's text tokens.
        let results = try await generator.generate(requests.map { r in
            var r = r
            r.maxTokens -= 1
            return r
        })
        for (c, r) in zip(Self.fixture.cases, results) {
            let sample = try #require(r.samples.first)
            #expect(sample.tokens == Array(c.greedy_tokens.dropLast()))
            #expect(sample.text == c.greedy_text)
        }
    }
}
