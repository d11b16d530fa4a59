import Foundation
import StepTreePluginKit
import StepTreeRuntime
import Testing
@testable import verifier_prm_local

/// verifier-prm-local's batch handler: the items of a request in batched forward passes, per-item
/// statuses kept.
@Suite struct BatchItemsTests {
    static func items(_ paths: [(prompt: String, steps: [String])]) -> [VerifyItem] {
        paths.enumerated().map { i, p in VerifyItem(id: "\(i)", problemID: "p", prompt: p.prompt, steps: p.steps, finished: false) }
    }

    @Test func aBatchScoresLikeOneItemAtATimeAndComputesSharedPrefixesOnce() throws {
        let model = try LanguageModel(path: LocalScorerTests.modelPath)
        let batched = try StepScorer(model: model, convention: .mathShepherd, stepTag: nil)
        let single = try StepScorer(model: model, convention: .mathShepherd, stepTag: nil)
        let paths = LocalScorerTests.paths
        let results = batched.results(for: Self.items(paths), isCancelled: { false })
        let sequences = paths.map { batched.sequence(prompt: $0.prompt, steps: $0.steps).tokens }
        let distinct = Set(sequences.flatMap { s in (1...s.count).map { Array(s[..<$0]) } }).count
        #expect(batched.prefixScorer.forwardTokens == distinct)
        for (result, path) in zip(results, paths) {
            #expect(result.status == .ok)
            let expected = try single.score([path])[0]
            let got = try #require(result.stepScores)
            #expect(got.count == expected.count)
            for (g, e) in zip(got, expected) { #expect(abs(g - e) < 1e-4, "\(g) vs \(e)") }
            #expect(result.score == got.min())
            #expect(result.detail == "\(distinct) tokens computed for \(paths.count) items")
        }
        #expect(results.map(\.id) == ["0", "1", "2", "3"])
    }

    @Test func badItemsKeepTheirOwnStatusAndTheRestIsScored() throws {
        let model = try LanguageModel(path: LocalScorerTests.modelPath)
        // 70 rows hold the prompt and one step (about 58 tokens), not two steps.
        let scorer = try StepScorer(model: model, convention: .mathShepherd, stepTag: nil, maxRows: 70)
        let paths = LocalScorerTests.paths
        let items = Self.items([(LocalScorerTests.prompt, []), paths[3], paths[1], (LocalScorerTests.prompt, [paths[0].steps[0]])])
        let results = scorer.results(for: items, isCancelled: { false })
        #expect(results.map(\.status) == [.unparseable, .ok, .error, .ok])
        #expect(results[2].detail?.contains("item 2 has") == true)
        #expect(results[2].detail?.contains("70 rows (--max-rows)") == true)
        let fresh = try StepScorer(model: model, convention: .mathShepherd, stepTag: nil)
        #expect(abs(results[1].score - (try fresh.score([paths[3]])[0][0])) < 1e-4)
        // A cancelled request scores nothing.
        let before = scorer.prefixScorer.forwardTokens
        let cancelled = scorer.results(for: Self.items([(LocalScorerTests.prompt, ["step: 7 + 3 = 10 | 10 25 4\n"])]), isCancelled: { true })
        #expect(cancelled.map(\.status) == [.timeout])
        #expect(scorer.prefixScorer.forwardTokens == before)
    }

    /// Passes of two items: the shared prompt is computed by the first pass only, the scores equal
    /// one pass's, and a cancel seen before the second pass leaves its items `timeout` while the
    /// first pass's keep their scores.
    @Test func passesShareTheCacheAndACancelBetweenThemKeepsWhatWasScored() throws {
        let model = try LanguageModel(path: LocalScorerTests.modelPath)
        let paths = LocalScorerTests.paths
        let whole = try StepScorer(model: model, convention: .mathShepherd, stepTag: nil)
        let expected = whole.results(for: Self.items(paths), isCancelled: { false })
        let inPairs = try StepScorer(model: model, convention: .mathShepherd, stepTag: nil)
        let paired = inPairs.results(for: Self.items(paths), itemsPerPass: 2, isCancelled: { false })
        #expect(inPairs.prefixScorer.forwardTokens == whole.prefixScorer.forwardTokens)
        for (p, e) in zip(paired, expected) {
            #expect(p.status == .ok)
            for (a, b) in zip(p.stepScores ?? [], e.stepScores ?? []) { #expect(abs(a - b) < 1e-4) }
        }
        #expect(paired[0].detail?.hasSuffix("for 2 items") == true)

        let fresh = try StepScorer(model: model, convention: .mathShepherd, stepTag: nil)
        var checks = 0
        let cancelled = fresh.results(for: Self.items(paths), itemsPerPass: 2, isCancelled: { checks += 1; return checks > 1 })
        #expect(cancelled.map(\.status) == [.ok, .ok, .timeout, .timeout])
        #expect(cancelled[0].stepScores == paired[0].stepScores)
        #expect(cancelled[3].detail == "cancelled")
    }
}
