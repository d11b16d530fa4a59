import Foundation
import StepTreeCore
import StepTreePluginKit
import StepTreeRuntime
import Testing
@testable import verifier_prm_local

/// verifier-prm-local's scorer, in-process, as a search's only (step) evaluator.
final class LocalPRMEvaluator: Evaluator, @unchecked Sendable {
    let scorer: StepScorer
    private let lock = NSLock()
    let capabilities = EvaluatorCapabilities(name: "verifier-prm-local", version: "test", kinds: [.step], maxBatch: 64)

    init(_ scorer: StepScorer) { self.scorer = scorer }

    func evaluate(_ items: [EvaluationItem]) async -> [EvaluationOutcome] {
        let wire = items.enumerated().map { i, item in
            VerifyItem(id: "\(i)", problemID: item.problem.id, prompt: item.problem.prompt, steps: item.steps, finished: item.finished)
        }
        let results = lock.withLock { scorer.results(for: wire, isCancelled: { false }) }
        return results.map {
            EvaluationOutcome(status: VerdictStatus(rawValue: $0.status.rawValue)!, score: $0.score, stepScores: $0.stepScores,
                              detail: $0.detail)
        }
    }
}

/// A real search guided by the local PRM: the embedded Countdown policy generates, the scorer
/// (the policy read the Math-Shepherd way: real scores of random quality) guides beam search.
@Suite struct PRMSearchTests {
    static func problems(_ count: Int) throws -> [Problem] {
        let text = try String(contentsOfFile: LocalScorerTests.root + "/Examples/countdown/problems-test.jsonl", encoding: .utf8)
        return try text.split(separator: "\n").prefix(count).map { line in
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return Problem(id: o["id"] as! String, prompt: o["prompt"] as! String, reference: o["answer"] as? String)
        }
    }

    static func search(_ rejection: EarlyRejection?) async throws -> (RunSummary, [ProblemResult]) {
        let generator = try EmbeddedGenerator(modelPath: LocalScorerTests.modelPath, options: .init(threads: 1))
        let scorer = try StepScorer(model: try LanguageModel(path: LocalScorerTests.modelPath), convention: .mathShepherd, stepTag: nil)
        var c = SearchConfiguration()
        c.strategy = "beam"
        c.parameters.beam = .init(n: 4, beamWidth: 2, earlyRejection: rejection)
        c.answerMarker = AnswerMarker("answer:", atLineStart: true)
        c.maxDepth = 8
        c.checkInvariants = true
        var results: [ProblemResult] = []
        let summary = try await SearchDriver(generator: generator, evaluators: [LocalPRMEvaluator(scorer)], configuration: c)
            .run(try problems(4)) { results.append($0) }
        return (summary, results)
    }

    @Test func earlyRejectionCutsCandidatesOfARealSearchAndKeepsWholeSteps() async throws {
        let (full, _) = try await Self.search(nil)
        let (early, results) = try await Self.search(EarlyRejection(tokens: 6, keep: 0.5))
        #expect(full.partialCandidates == nil)
        let partial = try #require(early.partialCandidates)
        let cut = try #require(early.earlyRejected)
        #expect(cut > 0 && cut <= partial / 2 + 4) // half of each expansion's partial candidates, rounded up
        #expect(early.generatedTokens < full.generatedTokens)
        for r in results {
            #expect(r.chosen != nil)
            let t = r.tree
            for i in 1..<t.count {
                // A node is one whole step: the partial text and its continuation joined.
                let text = t.texts[i]
                #expect(!text.dropLast().contains("\n"), "\(text.debugDescription)")
                #expect(text.hasSuffix("\n") || t.finishReasons[i] != .stop, "\(text.debugDescription)")
                #expect(text.hasPrefix("step: ") || text.hasPrefix("answer: "), "\(text.debugDescription)")
                #expect(t.tokens[i].count == t.logprobs[i].count)
                #expect(t.tokens[i].count == text.utf8.count) // the byte-level vocabulary: one token per byte
            }
        }
    }
}
