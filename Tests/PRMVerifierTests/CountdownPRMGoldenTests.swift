import Foundation
import StepTreeRuntime
import StepTreeTestSupport
import Testing
@testable import verifier_prm_local

/// verifier-prm-local on the checked-in Countdown PRM (Examples/countdown/prm.gguf) against
/// PyTorch: Tests/Fixtures/countdown/prm-golden.json, written with the model by train_prm.py.
@Suite struct CountdownPRMGoldenTests {
    struct Fixture: Decodable {
        struct Meta: Decodable { var step_tag: String }
        struct Case: Decodable {
            var prompt: String
            var steps: [String]
            var tokens: [Int32]
            var tag_positions: [Int]
            var scores: [Double]
        }
        var meta: Meta
        var cases: [Case]
    }

    static let root = TestPaths.packageRootURL

    @Test func scoresMatchPyTorch() throws {
        let fixture = try JSONDecoder().decode(
            Fixture.self, from: Data(contentsOf: Self.root.appendingPathComponent("Tests/Fixtures/countdown/prm-golden.json")))
        let model = try LanguageModel(path: Self.root.appendingPathComponent("Examples/countdown/prm.gguf").path)
        // Convention and tag come from the file, as a user running `--model prm.gguf` gets them.
        let scorer = try StepScorer(model: model, convention: nil, stepTag: nil)
        #expect(scorer.convention == .valueHead)
        #expect(scorer.stepTag == fixture.meta.step_tag)
        let got = try scorer.score(fixture.cases.map { ($0.prompt, $0.steps) })
        for (c, scores) in zip(fixture.cases, got) {
            let (tokens, positions) = scorer.sequence(prompt: c.prompt, steps: c.steps)
            #expect(Array(tokens.prefix(c.tokens.count)) == Array(c.tokens.prefix(tokens.count)))
            #expect(positions == c.tag_positions)
            #expect(scores.count == c.scores.count)
            for (g, e) in zip(scores, c.scores) { #expect(abs(g - e) < 1e-4, "\(c.prompt)\(c.steps): \(g) vs PyTorch \(e)") }
        }
        // The fixtures hold judgments that differ: a trained PRM, not a constant.
        let all = fixture.cases.flatMap(\.scores)
        #expect(all.max()! - all.min()! > 0.5)
    }
}
