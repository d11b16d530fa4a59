import Testing
import StepTreeCore
import StepTreeTestSupport

@Suite struct SearchDriverTests {
    func outcomeVerifier(timeoutFor: String? = nil) -> ScriptedEvaluator {
        ScriptedEvaluator(name: "answer", kinds: [.outcome]) { item in
            if let t = timeoutFor, item.problem.id == t { return .failed(.timeout, "slow") }
            if item.problem.id == "p2" && timeoutFor != nil { return .init(status: .unparseable, score: 0) }
            let a = TreeScripts.marker.extract(from: item.steps.last ?? "")
            return .init(status: .ok, score: a == item.problem.reference ? 1 : 0, answer: a)
        }
    }

    @Test(arguments: StrategyRegistry.names)
    func runsManyProblemsUnderTheGlobalInFlightLimit(strategy: String) async throws {
        let gen = ScriptedGenerator(recommendedInFlight: 6, delay: .milliseconds(1),
                                    script: TreeScripts.layered(depth: 3, distinct: 3))
        var c = TreeScripts.configuration(strategy)
        c.parameters.mcts.simulations = 12
        c.concurrency = 5
        c.maxBatch = 4
        var results: [ProblemResult] = []
        let summary = try await SearchDriver(generator: gen, evaluators: [outcomeVerifier()], configuration: c)
            .run(TreeScripts.problems(12)) { results.append($0) }
        #expect(results.count == 12)
        #expect(Set(results.map(\.problem.id)).count == 12)
        #expect(gen.maxInFlight <= 6)
        #expect(summary.problems == 12)
        #expect(summary.nodes == results.reduce(0) { $0 + $1.tree.count })
        #expect(summary.expansions == gen.requests.count)
        for r in results {
            #expect(r.tree._invariantViolations(idle: true).isEmpty)
            #expect(r.chosen != nil)
        }
        // Segment keys name (problem index in run, node id); every node is released by the end.
        let released = Set(gen.released.map { "\($0.problem)/\($0.node)" })
        for r in results { #expect(released.contains("\(r.index)/0")) }
    }

    @Test func judgeGradesOnlyTheChosenAnswer() async throws {
        let gen = ScriptedGenerator(script: TreeScripts.layered(depth: 2, distinct: 2))
        let judge = outcomeVerifier()
        let prm = ScriptedEvaluator(name: "prm", kinds: [.step]) { _ in .init(status: .ok, score: 0.5) }
        var c = TreeScripts.configuration("best-of-n")
        c.parameters.bestOfN.n = 4
        var results: [ProblemResult] = []
        let summary = try await SearchDriver(generator: gen, evaluators: [prm], judge: judge, configuration: c)
            .run(TreeScripts.problems(3)) { results.append($0) }
        #expect(judge.items.count == 3)
        #expect(judge.items.allSatisfy { $0.finished })
        #expect(summary.judged == 3)
        // Majority picks "answer: 0" (samples 0 and 2), which matches the reference.
        #expect(summary.solved == 3)
        #expect(summary.accuracy == 1)
        for r in results {
            let v = r.tree.verdicts[r.chosen!.rawValue] ?? []
            #expect(v.contains { $0.evaluator == "judge:answer" })
            #expect(!r.tree[r.chosen!].hasReward)   // the judge never feeds the search
        }
    }

    @Test func timeoutsAreNeverCountedWrong() async throws {
        let gen = ScriptedGenerator(script: TreeScripts.layered(depth: 2, distinct: 1))
        var c = TreeScripts.configuration("greedy")
        c.concurrency = 2
        let summary = try await SearchDriver(generator: gen, evaluators: [outcomeVerifier(timeoutFor: "p1")],
                                             configuration: c).run(TreeScripts.problems(3)) { _ in }
        // p1 timed out: not judged; p2 unparseable: judged, wrong; p0 solved.
        #expect(summary.problems == 3)
        #expect(summary.judged == 2)
        #expect(summary.solved == 1)
    }

    @Test func wallTimeCancelsPendingRequests() async throws {
        let gen = ScriptedGenerator(delay: .seconds(30), script: TreeScripts.layered(depth: 2, distinct: 1))
        var c = TreeScripts.configuration("beam", budget: SearchBudget(maxWallSeconds: 0.2))
        c.concurrency = 2
        let clock = ContinuousClock()
        var results: [ProblemResult] = []
        let t = try await clock.measure {
            _ = try await SearchDriver(generator: gen, configuration: c).run(TreeScripts.problems(2)) { results.append($0) }
        }
        #expect(t < .seconds(10))
        #expect(results.count == 2)
        #expect(results.allSatisfy { $0.stopReason == "budget: wall time" && $0.tree.count == 1 })
        #expect(results.allSatisfy { $0.tree._invariantViolations(idle: true).isEmpty })
        #expect(Set(gen.cancelled) == Set(gen.requests.map(\.id)))
    }

    @Test func seedsAreReproducibleAcrossRuns() async throws {
        func run() async throws -> [String: [UInt64]] {
            let gen = ScriptedGenerator(script: TreeScripts.layered(depth: 3, distinct: 2))
            var c = TreeScripts.configuration("best-of-n")
            c.seed = 42
            _ = try await SearchDriver(generator: gen, configuration: c).run(TreeScripts.problems(4)) { _ in }
            return Dictionary(grouping: gen.requests, by: { $0.prefix[0].text }).mapValues { $0.map(\.seed).sorted() }
        }
        let (a, b) = (try await run(), try await run())
        #expect(a == b)
    }

    @Test func randomGeneratorAndEvaluatorSearchEndToEnd() async throws {
        var c = SearchConfiguration()
        c.strategy = "mcts"
        c.answerMarker = TreeScripts.marker
        c.checkInvariants = true
        c.parameters.mcts.simulations = 16
        let summary = try await SearchDriver(generator: RandomGenerator(options: .init(depth: 3)),
                                             evaluators: [RandomEvaluator(kinds: [.step, .outcome], rejectOneIn: 5)],
                                             configuration: c).run(TreeScripts.problems(20)) { _ in }
        #expect(summary.problems == 20)
        #expect(summary.judged == 20)
        #expect(summary.solved > 0)
    }
}
