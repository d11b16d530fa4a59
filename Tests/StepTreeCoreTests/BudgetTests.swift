import Testing
import StepTreeCore
import StepTreeTestSupport

@Suite struct BudgetTests {
    func session(_ strategy: String, _ budget: SearchBudget) throws -> SearchSession {
        var c = TreeScripts.configuration(strategy, budget: budget)
        c.parameters.mcts.simulations = 1000
        c.parameters.bestOfN.n = 64
        return try SearchSession(index: 0, problem: Problem(id: "p", prompt: "p\n"), configuration: c, evaluators: [])
    }

    @Test(arguments: ["mcts", "best-of-n", "beam", "dvts"], [1, 7, 13])
    func expansionBudgetIsExact(strategy: String, limit: Int) throws {
        var s = try session(strategy, SearchBudget(maxExpansions: limit))
        let reqs = SessionRunner.run(&s, samples: TreeScripts.layered(depth: 30, distinct: 5))
        #expect(reqs.count == limit)
        #expect(s.cost.expansions == limit)
        #expect(s.stopReason == "budget: expansions")
        #expect(s.tree._invariantViolations(idle: true).isEmpty)
    }

    @Test(arguments: ["mcts", "beam", "best-of-n"], [10, 57, 300])
    func tokenBudgetIsNeverExceeded(strategy: String, limit: Int) throws {
        var s = try session(strategy, SearchBudget(maxGeneratedTokens: limit))
        // Each sample has 3 tokens, fewer when the request allows fewer (a short step).
        var generated = 0
        let reqs = SessionRunner.run(&s, samples: { r in
            (0..<r.samples).map { i in
                let n = min(3, r.maxTokens)
                generated += n
                return StepSample(text: "s\(r.prefix.count)-\(i)\n", tokens: Array(repeating: Int32(i), count: n),
                                  logprobs: Array(repeating: -0.5, count: n), finish: .stop)
            }
        })
        #expect(reqs.allSatisfy { $0.maxTokens >= 1 })
        #expect(generated <= limit)
        #expect(s.cost.generatedTokens == generated)
        #expect(s.stopReason == "budget: tokens")
        #expect(s.tree._invariantViolations(idle: true).isEmpty)
    }

    @Test func zeroWallTimeIssuesNothing() throws {
        var s = try session("beam", SearchBudget(maxWallSeconds: 0))
        let reqs = SessionRunner.run(&s, samples: TreeScripts.layered(depth: 3, distinct: 2))
        #expect(reqs.isEmpty)
        #expect(s.stopReason == "budget: wall time")
        #expect(s.isDone)
    }
}
