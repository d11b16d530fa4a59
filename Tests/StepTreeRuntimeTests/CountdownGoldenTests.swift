import Foundation
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

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
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
