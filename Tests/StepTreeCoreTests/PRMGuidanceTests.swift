import Testing
import StepTreeCore
import StepTreeTestSupport

/// Step scores of a PRM (a `kind: step` verifier, the only guiding one) drive every strategy's
/// ranking and final choice; no outcome verdict exists anywhere.
@Suite struct PRMGuidanceTests {
    /// Four first steps, each followed by one answer step; the PRM scores (first step, answer
    /// step) so that each aggregation prefers another path: last → "2" (0.7), min → "3"
    /// (min 0.58), product → "4" (0.95 × 0.4 = 0.38).
    static let firstSteps = ["a\n", "b\n", "c\n", "d\n"]
    static let scores: [String: (first: Double, answer: Double)] = [
        "a\n": (0.9, 0.35), "b\n": (0.5, 0.7), "c\n": (0.62, 0.58), "d\n": (0.95, 0.4),
    ]

    static func samples(_ r: StepRequest) -> [StepSample] {
        if r.prefix.count == 1 { return (0..<r.samples).map { SessionRunner.sample(firstSteps[$0 % 4], logprob: -0.1) } }
        let answer = firstSteps.firstIndex(of: r.prefix[1].text)! + 1
        return (0..<r.samples).map { _ in SessionRunner.sample("answer: \(answer)\n") }
    }

    /// A PRM's outcome: one score per step, the item's score their minimum (as verifier-prm-local answers).
    static func prm(_ job: EvaluationJob) -> EvaluationOutcome {
        #expect(job.kind == .step)
        let s = scores[job.item.steps[0]]!
        let steps = job.item.steps.count == 1 ? [s.first] : [s.first, s.answer]
        return .init(status: .ok, score: steps.min()!, stepScores: steps)
    }

    func run(_ config: SearchConfiguration) throws -> SearchSession {
        var s = try SearchSession(index: 0, problem: Problem(id: "p", prompt: "p\n"), configuration: config,
                                  evaluators: [EvaluatorRole(name: "prm", kinds: [.step])])
        _ = SessionRunner.run(&s, samples: Self.samples, verdict: Self.prm) { t in
            #expect(t._invariantViolations().isEmpty)
        }
        #expect(s.tree.finishedLeaves().count == 4)
        #expect(s.tree.finishedLeaves().allSatisfy { s.tree[$0].hasScore && !s.tree[$0].hasReward })
        return s
    }

    @Test(arguments: [(StepAggregation.last, "2"), (.min, "3"), (.product, "4")])
    func beamAndDVTSPickTheFinalAnswerByTheAggregatedPRMScore(aggregation: StepAggregation, expected: String) throws {
        var beam = TreeScripts.configuration("beam")
        beam.parameters.beam = .init(n: 4, beamWidth: 1, aggregation: aggregation)
        #expect(try run(beam).choice().answer == expected)
        var dvts = TreeScripts.configuration("dvts")
        dvts.parameters.dvts = .init(n: 4, beamWidth: 1, aggregation: aggregation)
        #expect(try run(dvts).choice().answer == expected)
    }

    @Test(arguments: [(AnswerAggregation.prmLastMax, "2"), (.prmMinMax, "3"), (.prmProductMax, "4"),
                      (.prmLastVote, "2"), (.prmMinVote, "3"), (.prmProductVote, "4")])
    func bestOfNPicksByTheAggregatedPRMScore(aggregation: AnswerAggregation, expected: String) throws {
        var c = TreeScripts.configuration("best-of-n")
        c.parameters.bestOfN = .init(n: 4, aggregation: aggregation)
        #expect(try run(c).choice().answer == expected)
    }

    @Test func beamRanksCandidatesByTheAggregatedPRMScore() throws {
        // N = 4, M = 2: two of the four first steps are kept. By the last (= first) step score
        // they are d (0.95) and a (0.9); the answer under b scores highest but b is cut.
        var c = TreeScripts.configuration("beam")
        c.parameters.beam = .init(n: 4, beamWidth: 2, aggregation: .last)
        var s = try SearchSession(index: 0, problem: Problem(id: "p", prompt: "p\n"), configuration: c,
                                  evaluators: [EvaluatorRole(name: "prm", kinds: [.step])])
        let reqs = SessionRunner.run(&s, samples: Self.samples, verdict: Self.prm)
        #expect(Set(reqs.dropFirst().map { $0.prefix[1].text }) == ["d\n", "a\n"])
        #expect(s.choice().answer == "4") // answer under d: 0.4 beats 0.35 under a
    }

    @Test func mctsBacksUpPRMScoresAndChoosesTheBestScoredFinishedPath() throws {
        var c = TreeScripts.configuration("mcts")
        c.parameters.mcts = .init(simulations: 12, width: 4, leafValue: .prm)
        c.treeInFlight = 1
        let s = try run(c)
        let t = s.tree
        // Every backed-up value is a PRM score (or a mean of them for the root's first
        // expansion); with no outcome verifier nothing backs up 0.
        let root = t[.root]
        #expect(root.visits == 12)
        let kids = t.children(of: .root)
        for k in kids where t[k].visits > 0 {
            let score = Self.scores[t.texts[k.index]]!
            // A first step's visits carry its own score (its expansion) or its answer's (a terminal visit).
            let v = t[k].valueSum
            let n = Double(t[k].visits)
            #expect(v >= n * min(score.first, score.answer) - 1e-6 && v <= n * max(score.first, score.answer) + 1e-6)
        }
        let rootMean = root.valueSum / Double(root.visits)
        #expect(rootMean > 0.35 && rootMean < 0.95)
        // The chosen leaf is the finished path whose PRM value is highest among those visited.
        let chosen = try #require(s.choice().node)
        let visited = t.finishedLeaves().filter { t[$0].visits > 0 }
        #expect(visited.allSatisfy { t[$0].valueSum / Double(t[$0].visits) <= t[chosen].valueSum / Double(t[chosen].visits) + 1e-9 })
        #expect(t[chosen].score == Float(Self.scores[t.texts[Int(t[chosen].parent)]]!.answer))
    }
}
