import Testing
import StepTreeCore
import StepTreeTestSupport

/// Early rejection of partial steps in beam search: candidates are scored after K tokens, weak
/// ones are cut, survivors are continued to the step's end.
@Suite struct EarlyRejectionTests {
    static let letters = Array("abcdefgh")
    /// PRM score of a candidate by its letter (partial or whole step alike); "answer" steps 0.5.
    static let scoreOf: [Character: Double] = ["a": 0.9, "b": 0.2, "c": 0.6, "d": 0.1, "e": 0.7, "f": 0.3, "g": 0.8, "h": 0.4]

    /// The whole step sample `i` of a request at depth `d` would be: `s<d><letter>` and nine
    /// `=` (13 tokens with the newline), or, at depth 3, `answer: <letter>` (10 tokens). One token
    /// per character; logprobs depend on the sample only. A request whose prefix ends with a
    /// partial step (no newline) continues that step. Every sample is cut at `maxTokens`.
    static func script(_ r: StepRequest) -> [StepSample] {
        let last = r.prefix.last!.text
        let partial = r.prefix.count > 1 && !last.hasSuffix("\n")
        let depth = r.prefix.count - (partial ? 1 : 0)
        return (0..<r.samples).map { i in
            let letter = partial ? letterOf(last) : letters[(i + depth) % letters.count]
            let whole = depth >= 3 ? "answer: \(letter)\n" : "s\(depth)\(letter)=========\n"
            let text = partial ? String(whole.dropFirst(last.count)) : whole
            let cut = String(text.prefix(r.maxTokens))
            var s = SessionRunner.sample(cut, logprob: -0.05 * Float(letters.firstIndex(of: letter)! + 1))
            s.finish = cut.count < text.count ? .length : .stop
            return s
        }
    }

    static func letterOf(_ step: String) -> Character {
        step.hasPrefix("answer: ") ? Array(step)[8] : Array(step)[2]
    }

    /// A PRM scoring the last step (partial or whole) by its letter; items as verifier-prm-local answers.
    static func prm(_ item: EvaluationItem) -> EvaluationOutcome {
        let scores = item.steps.map { step -> Double in
            step.count < 3 ? 0.5 : scoreOf[letterOf(step)] ?? 0.5
        }
        return .init(status: .ok, score: scores.min()!, stepScores: scores)
    }

    func run(_ rejection: EarlyRejection?, budget: SearchBudget = .init()) throws -> (SearchSession, [StepRequest]) {
        var c = TreeScripts.configuration("beam", budget: budget)
        c.parameters.beam = .init(n: 4, beamWidth: 4, earlyRejection: rejection)
        var s = try SearchSession(index: 0, problem: Problem(id: "p", prompt: "p\n"), configuration: c,
                                  evaluators: [EvaluatorRole(name: "prm", kinds: [.step])])
        let reqs = SessionRunner.run(&s, samples: Self.script, verdict: { Self.prm($0.item) }) { t in
            #expect(t._invariantViolations().isEmpty)
        }
        return (s, reqs)
    }

    @Test func weakPartialCandidatesAreCutAndSurvivorsMatchTheUncutRun() throws {
        let (full, fullRequests) = try run(nil)
        // K = 9 leaves every candidate unfinished: "s1b======" of "s1b=========\n", "answer: d" of "answer: d\n".
        let (early, earlyRequests) = try run(EarlyRejection(tokens: 9, keep: 0.5))
        // Three rounds (two steps, then the answer), four candidates each, two cut each time.
        #expect(early.cost.partialCandidates == 12)
        #expect(early.cost.earlyRejected == 6)
        #expect(full.cost.partialCandidates == nil)
        #expect(early.cost.expansions == full.cost.expansions)
        // First phases ask for K tokens; continuations for the rest, one sample, prefix + partial text.
        let firsts = earlyRequests.filter { $0.samples == 4 }
        let continuations = earlyRequests.filter { $0.samples == 1 }
        #expect(firsts.count == 3 && firsts.allSatisfy { $0.maxTokens == 9 })
        #expect(continuations.count == 6)
        for r in continuations {
            let partial = r.prefix.last!
            #expect(partial.text.count == 9 && !partial.text.hasSuffix("\n"))
            #expect(partial.key.node >= 1 << 31)
            #expect(r.maxTokens == 256 - 9)
        }
        #expect(Set(continuations.map(\.prefix.last!.key.node)).count == 6)
        #expect(fullRequests.allSatisfy { $0.maxTokens == 256 })
        // Tokens saved: every cut candidate's tokens after the first K.
        let lengths = [13, 13, 10] // per round: two step rounds, then answers
        #expect(full.cost.generatedTokens - early.cost.generatedTokens == 2 * lengths.reduce(0) { $0 + $1 - 9 })
        // Each kept node is a whole step equal to a node of the uncut run (same text, tokens,
        // logprobs); the uncut run's best children by PRM are exactly the early run's children.
        let et = early.tree, ft = full.tree
        for i in 1..<et.count {
            let twin = (1..<ft.count).first { ft.texts[$0] == et.texts[i] && ft.records[$0].depth == et.records[i].depth }
            let j = try #require(twin, "node \(et.texts[i].debugDescription) is not in the uncut tree")
            #expect(et.tokens[i] == ft.tokens[j])
            #expect(et.logprobs[i] == ft.logprobs[j])
            #expect(et.finishReasons[i] == ft.finishReasons[j])
        }
        let kidsScores = et.children(of: .root).map { Self.scoreOf[Self.letterOf(et.texts[$0.index])]! }
        #expect(kidsScores.sorted() == [0.6, 0.7]) // of b c d e, the best half: c, e
        #expect(early.choice().answer == full.choice().answer)
    }

    @Test func aThresholdCutsBelowItAndCompleteCandidatesAreNeverScored() throws {
        let (s, _) = try run(EarlyRejection(tokens: 12, threshold: 0.5))
        // K = 12: 13-token steps stop one short (partial), 10-token answers are complete at once.
        #expect(s.cost.partialCandidates == 8)
        let t = s.tree
        for i in 1..<t.count where t.records[i].depth < 3 {
            #expect(Self.scoreOf[Self.letterOf(t.texts[i])]! >= 0.5)
        }
        #expect(t.finishedLeaves().count == 4) // all four answers of the last round, none scored early
        #expect(s.choice().answer != nil)
    }

    @Test func theTokenBudgetIsRespectedWithContinuations() throws {
        for budget in [30, 60, 90] {
            let (s, _) = try run(EarlyRejection(tokens: 9, keep: 0.5), budget: SearchBudget(maxGeneratedTokens: budget))
            #expect(s.cost.generatedTokens <= budget)
            #expect(s.isDone)
        }
    }

    @Test func continuationsFinishTheExpansionsIssuedBeforeAnExpansionBudgetStop() throws {
        let (s, reqs) = try run(EarlyRejection(tokens: 9, keep: 0.5), budget: SearchBudget(maxExpansions: 2))
        #expect(s.isDone)
        #expect(s.stopReason == "budget: expansions")
        #expect(s.cost.expansions == 2)
        #expect(reqs.filter { $0.samples == 1 }.count == 4) // both expansions' survivors were continued
        #expect(s.tree.count == 1 + 2 + 2)
        #expect(s.tree._invariantViolations(idle: true).isEmpty)
    }

    @Test func aWallTimeStopAbandonsPartialExpansionsAndCancelsTheirContinuations() throws {
        var c = TreeScripts.configuration("beam")
        c.parameters.beam = .init(n: 4, beamWidth: 4, earlyRejection: EarlyRejection(tokens: 9, keep: 0.5))
        let s = try SearchSession(index: 0, problem: Problem(id: "p", prompt: "p\n"), configuration: c,
                                  evaluators: [EvaluatorRole(name: "prm", kinds: [.step])])
        var next: RequestID = 1
        let first = s.requests(limit: 8, nextID: &next)
        let jobs = s.receive(StepResult(id: first[0].id, samples: Self.script(first[0])))
        #expect(jobs.count == 4 && jobs.allSatisfy { $0.partialSample != nil })
        for j in jobs { #expect(s.receive(Self.prm(j.item), for: j).isEmpty) }
        let continuations = s.requests(limit: 8, nextID: &next)
        #expect(continuations.count == 2)
        let cancelled = s.stop("budget: wall time")
        #expect(Set(cancelled) == Set(continuations.map(\.id)))
        #expect(s.isDone)
        #expect(s.tree._invariantViolations(idle: true).isEmpty)
        #expect(s.releasable.contains { $0.node == continuations[0].prefix.last!.key.node })
        // A late answer is ignored.
        #expect(s.receive(StepResult(id: continuations[0].id, samples: Self.script(continuations[0]))).isEmpty)
        #expect(s.tree.count == 1)
    }

    @Test func survivorsByThresholdAndFraction() {
        let both = EarlyRejection(tokens: 1, keep: 0.5, threshold: 0.3)
        #expect(both.survivors([0.9, 0.2, 0.6, 0.8]) == [true, false, false, true])
        #expect(both.survivors([0.1, 0.2, 0.25]) == [false, false, false])
        // Unscored candidates (failed verdicts) are kept and use the quota first.
        #expect(EarlyRejection(tokens: 1, keep: 0.5).survivors([nil, 0.9, 0.8, 0.7]) == [true, true, false, false])
        #expect(EarlyRejection(tokens: 1, keep: 0.1).survivors([0.2, 0.3]) == [false, true]) // at least one
        #expect(EarlyRejection(tokens: 1).survivors([0.0, 1.0]) == [true, true])
    }

    @Test func dvtsCutsPartialCandidatesOfEachSubtree() throws {
        var c = TreeScripts.configuration("dvts")
        c.parameters.dvts = .init(n: 8, beamWidth: 4, earlyRejection: EarlyRejection(tokens: 9, threshold: 0.5))
        var s = try SearchSession(index: 0, problem: Problem(id: "p", prompt: "p\n"), configuration: c,
                                  evaluators: [EvaluatorRole(name: "prm", kinds: [.step])])
        _ = SessionRunner.run(&s, samples: Self.script, verdict: { Self.prm($0.item) }) { t in
            #expect(t._invariantViolations().isEmpty)
        }
        // Root: b, c (b cut); each of the one subtree's tips: four candidates, two below 0.5.
        let t = s.tree
        #expect((s.cost.earlyRejected ?? 0) > 0)
        for i in 1..<t.count { #expect(Self.scoreOf[Self.letterOf(t.texts[i])]! >= 0.5) }
        #expect(s.choice().answer != nil)
    }

    @Test func theDriverRoutesPartialVerdictsAndReleasesPartialSegments() async throws {
        let gen = ScriptedGenerator { Self.script($0) }
        let prm = ScriptedEvaluator(name: "prm", kinds: [.step], maxBatch: 3) { Self.prm($0) }
        var c = TreeScripts.configuration("beam")
        c.parameters.beam = .init(n: 4, beamWidth: 4, earlyRejection: EarlyRejection(tokens: 9, keep: 0.5))
        var results: [ProblemResult] = []
        let summary = try await SearchDriver(generator: gen, evaluators: [prm], configuration: c)
            .run(TreeScripts.problems(3)) { results.append($0) }
        #expect(results.count == 3)
        #expect(summary.partialCandidates == 36 && summary.earlyRejected == 18)
        for r in results {
            #expect(r.cost.earlyRejected == 6)
            #expect(r.chosen != nil)
            #expect(r.tree._invariantViolations(idle: true).isEmpty)
        }
        let partialKeys = Set(gen.requests.filter { $0.samples == 1 }.map { "\($0.prefix.last!.key.problem)/\($0.prefix.last!.key.node)" })
        #expect(partialKeys.count == 18)
        #expect(partialKeys.isSubset(of: Set(gen.released.map { "\($0.problem)/\($0.node)" })))
    }
}
