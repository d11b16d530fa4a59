import Foundation
import StepTreeRuntime
import StepTreeTestSupport
import Testing
@testable import verifier_prm_local

/// verifier-prm-local's scorer on the Countdown model (a tiny byte-level llama, used here as a
/// random-quality PRM: these tests check the arithmetic, not the judgments).
@Suite struct LocalScorerTests {
    static let root = TestPaths.packageRoot
    static let modelPath = root + "/Examples/countdown/policy.gguf"
    static let prompt = "nums: 3 7 25 4 target: 61\n"
    /// Paths of a small tree: three share their first step, two their first two.
    static let paths: [(prompt: String, steps: [String])] = [
        (prompt, ["step: 25 + 4 = 29 | 3 7 29\n", "step: 3 + 7 = 10 | 10 29\n", "answer: 39\n"]),
        (prompt, ["step: 25 + 4 = 29 | 3 7 29\n", "step: 3 + 7 = 10 | 10 29\n"]),
        (prompt, ["step: 25 + 4 = 29 | 3 7 29\n", "step: 29 * 3 = 87 | 7 87\n"]),
        (prompt, ["step: 7 - 3 = 4 | 4 25 4\n"]),
    ]

    /// Math-Shepherd's score recomputed from scratch: softmax of `+` against `-` in the full
    /// logits of the whole sequence, without any cache.
    static func naiveScores(_ model: LanguageModel, _ scorer: StepScorer, _ path: (prompt: String, steps: [String])) throws -> [Double] {
        let (tokens, positions) = scorer.sequence(prompt: path.prompt, steps: path.steps)
        let logits = try model.logits(tokens)
        let plus = Int(model.tokenizer.encode("+", addSpecial: false)[0]), minus = Int(model.tokenizer.encode("-", addSpecial: false)[0])
        return positions.map { p in 1 / (1 + exp(Double(logits[p][minus]) - Double(logits[p][plus]))) }
    }

    @Test func mathShepherdScoresMatchNaiveRecomputation() throws {
        let model = try LanguageModel(path: Self.modelPath)
        let scorer = try StepScorer(model: model, convention: nil, stepTag: nil)
        #expect(scorer.convention == .mathShepherd)
        #expect(scorer.stepTag == "ки")
        let scores = try scorer.score(Self.paths)
        for (path, got) in zip(Self.paths, scores) {
            #expect(got.count == path.steps.count)
            #expect(got.allSatisfy { $0 > 0 && $0 < 1 })
            let expected = try Self.naiveScores(model, scorer, path)
            for (g, e) in zip(got, expected) { #expect(abs(g - e) < 1e-4, "\(g) vs \(e)") }
        }
        // Equal step prefixes get equal scores, computed once.
        #expect(abs(scores[0][1] - scores[1][1]) < 1e-12)
        #expect(Set(scores.flatMap { $0 }).count > 2)
    }

    @Test func sharedPrefixesAreComputedOnce() throws {
        let model = try LanguageModel(path: Self.modelPath)
        let reuse = try StepScorer(model: model, convention: .mathShepherd, stepTag: "\n")
        let whole = try StepScorer(model: model, convention: .mathShepherd, stepTag: "\n", reusesPrefixes: false)
        let sequences = Self.paths.map { reuse.sequence(prompt: $0.prompt, steps: $0.steps).tokens }
        let distinctPrefixes = Set(sequences.flatMap { s in (1...s.count).map { Array(s[..<$0]) } }).count
        let a = try reuse.score(Self.paths)
        let b = try whole.score(Self.paths)
        #expect(reuse.prefixScorer.forwardTokens == distinctPrefixes)
        #expect(whole.prefixScorer.forwardTokens == sequences.reduce(0) { $0 + $1.count })
        #expect(distinctPrefixes < sequences.reduce(0) { $0 + $1.count })
        for (x, y) in zip(a.joined(), b.joined()) { #expect(abs(x - y) < 1e-4) }
        // A later call over cached paths computes nothing; a new step costs only its own tokens.
        _ = try reuse.score(Array(Self.paths.prefix(2)))
        #expect(reuse.prefixScorer.forwardTokens == distinctPrefixes)
        let extra = (Self.prompt, Self.paths[1].steps + ["answer: 39\n"])
        _ = try reuse.score([extra])
        #expect(reuse.prefixScorer.forwardTokens == distinctPrefixes)
        let other = (Self.prompt, Self.paths[1].steps + ["answer: 40\n"])
        _ = try reuse.score([other])
        let (cached, fresh) = (reuse.sequence(prompt: extra.0, steps: extra.1).tokens, reuse.sequence(prompt: other.0, steps: other.1).tokens)
        let common = zip(cached, fresh).prefix { $0 == $1 }.count
        #expect(fresh.count - common == 4) // "40", the tag, "\n"
        #expect(reuse.prefixScorer.forwardTokens == distinctPrefixes + fresh.count - common)
    }

    @Test func aFullCacheIsEmptiedAndScoresStayExact() throws {
        let model = try LanguageModel(path: Self.modelPath)
        let small = try StepScorer(model: model, convention: .mathShepherd, stepTag: nil, maxRows: 120) // fewer rows than the paths' 133 distinct tokens
        let scores = try small.score(Self.paths)
        for (path, got) in zip(Self.paths, scores) {
            for (g, e) in zip(got, try Self.naiveScores(model, small, path)) { #expect(abs(g - e) < 1e-4) }
        }
    }

    @Test func badJudgmentTokensAndHeadsAreNamed() throws {
        let model = try LanguageModel(path: Self.modelPath)
        #expect(throws: PRMError.self) { try StepScorer(model: model, convention: .mathShepherd, stepTag: nil, plus: "++") }
        do {
            _ = try StepScorer(model: model, convention: .valueHead, stepTag: nil)
            Issue.record("a model without prm_head.weight was accepted as a value head")
        } catch {
            #expect("\(error)".contains("prm_head.weight"))
        }
    }

    /// Runs Plugins/prm-local/add_value_head.py (needs python3 with the gguf and numpy packages).
    static func valueHeadModel(_ arguments: [String]) throws -> String? {
        let out = NSTemporaryDirectory() + "steptree-prm-\(UUID().uuidString).gguf"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root + "/Plugins/prm-local/add_value_head.py", modelPath, out] + arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? out : nil
    }


    @Test(.enabled("python3 with the gguf and numpy packages is not installed") { await pythonCanImport("gguf, numpy") })
    func valueHeadEqualToPlusMinusMatchesMathShepherd() throws {
        let model = try LanguageModel(path: Self.modelPath)
        let plus = model.tokenizer.encode("+", addSpecial: false)[0], minus = model.tokenizer.encode("-", addSpecial: false)[0]
        let path = try #require(try Self.valueHeadModel(["--from-tokens", "\(plus)", "\(minus)", "--step-tag", "\n"]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let headModel = try LanguageModel(path: path)
        let head = try StepScorer(model: headModel, convention: nil, stepTag: nil)
        #expect(head.convention == .valueHead)
        #expect(head.stepTag == "\n") // from the file's steptree.prm.step_tag
        let shepherd = try StepScorer(model: model, convention: .mathShepherd, stepTag: "\n")
        for (x, y) in zip(try head.score(Self.paths).joined(), try shepherd.score(Self.paths).joined()) {
            #expect(abs(x - y) < 1e-4, "\(x) vs \(y)")
        }
    }

    @Test(.enabled("python3 with the gguf and numpy packages is not installed") { await pythonCanImport("gguf, numpy") })
    func twoRowValueHeadGivesProbabilitiesWithAndWithoutReuse() throws {
        let path = try #require(try Self.valueHeadModel(["--rows", "2", "--seed", "3"]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = try LanguageModel(path: path)
        let reuse = try StepScorer(model: model, convention: nil, stepTag: nil)
        let whole = try StepScorer(model: model, convention: .valueHead, stepTag: nil, reusesPrefixes: false)
        let a = try reuse.score(Self.paths), b = try whole.score(Self.paths)
        #expect(a.joined().allSatisfy { $0 > 0 && $0 < 1 })
        #expect(Set(a.joined()).count > 2)
        for (x, y) in zip(a.joined(), b.joined()) { #expect(abs(x - y) < 1e-4) }
        #expect(reuse.prefixScorer.forwardTokens < whole.prefixScorer.forwardTokens)
    }
}
