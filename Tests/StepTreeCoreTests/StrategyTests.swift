import Testing
import StepTreeCore
import StepTreeTestSupport

/// Every strategy on scripted trees, with the tree's invariants checked after every step.
@Suite struct StrategyTests {
    func session(_ config: SearchConfiguration, roles: [EvaluatorRole] = []) throws -> SearchSession {
        try SearchSession(index: 0, problem: Problem(id: "p", prompt: "p\n", reference: "0"), configuration: config,
                          evaluators: roles)
    }

    func checked(_ t: SearchTree) {
        let bad = t._invariantViolations()
        #expect(bad.isEmpty, "\(bad)")
    }

    @Test func greedyFollowsOnePathAtTemperatureZero() throws {
        var s = try session(TreeScripts.configuration("greedy"))
        let reqs = SessionRunner.run(&s, samples: TreeScripts.layered(depth: 3, distinct: 2), check: checked)
        #expect(reqs.count == 3)
        #expect(reqs.allSatisfy { $0.sampling.temperature == 0 && $0.samples == 1 })
        let (node, answer) = s.choice()
        #expect(node != nil && answer == "0")
        #expect(s.tree._invariantViolations(idle: true).isEmpty)
    }

    @Test(arguments: [1, 5, 8])
    func bestOfNContinuesExactlyNPaths(n: Int) throws {
        var c = TreeScripts.configuration("best-of-n")
        c.parameters.bestOfN.n = n
        var s = try session(c)
        _ = SessionRunner.run(&s, samples: TreeScripts.layered(depth: 3, distinct: 2, answers: 3), check: checked)
        let leaves = s.tree.finishedLeaves()
        #expect(leaves.reduce(0) { $0 + Int(s.tree[$1].count) } == n)
        // Majority: answers 0,1,2 by sample index; "0" is the most frequent (or tied and first).
        #expect(s.choice().answer == "0")
    }

    @Test func bestOfNAggregationsChooseByPRM() throws {
        // PRM: prefers answer 1 strongly on the last step, but the path to it has a weak step.
        let verdict: (EvaluationJob) -> EvaluationOutcome = { job in
            let last = job.item.steps.last!
            if last.hasPrefix("answer: 1") { return .init(status: .ok, score: 0.9) }
            if last.hasPrefix("answer:") { return .init(status: .ok, score: 0.6) }
            return .init(status: .ok, score: last.hasPrefix("d1-1") ? 0.2 : 0.8)
        }
        func run(_ agg: AnswerAggregation) throws -> String? {
            var c = TreeScripts.configuration("best-of-n")
            c.parameters.bestOfN = .init(n: 4, aggregation: agg)
            var s = try session(c, roles: [EvaluatorRole(name: "prm", kinds: [.step])])
            _ = SessionRunner.run(&s, samples: TreeScripts.layered(depth: 2, distinct: 2, answers: 2), verdict: verdict,
                                  check: checked)
            return s.choice().answer
        }
        #expect(try run(.prmLastMax) == "1")
        // min over the path: d1-0 (0.8) → answer 1 (0.9) beats answer 0 (0.6) and anything under d1-1 (0.2).
        #expect(try run(.prmMinMax) == "1")
        #expect(try run(.prmProductVote) != nil)
        #expect(try run(.majority) == "0")
    }

    @Test func stepVerifierPrunesZeroScores() throws {
        var c = TreeScripts.configuration("best-of-n")
        c.parameters.bestOfN.n = 4
        var s = try session(c, roles: [EvaluatorRole(name: "check", kinds: [.step])])
        _ = SessionRunner.run(&s, samples: TreeScripts.layered(depth: 3, distinct: 2),
                              verdict: { .init(status: .ok, score: $0.item.steps.last!.hasPrefix("d1-1") ? 0 : 1) },
                              check: checked)
        let pruned = (0..<s.tree.count).filter { s.tree.records[$0].flags.contains(.pruned) }
        #expect(pruned.count == 1)
        #expect(s.tree.texts[pruned[0]] == "d1-1\n")
        #expect(s.tree.records[pruned[0]].childCount == 0)
    }

    @Test func timeoutVerdictsNeverPrune() throws {
        var c = TreeScripts.configuration("best-of-n")
        c.parameters.bestOfN.n = 4
        var s = try session(c, roles: [EvaluatorRole(name: "check", kinds: [.step])])
        _ = SessionRunner.run(&s, samples: TreeScripts.layered(depth: 2, distinct: 2),
                              verdict: { _ in .failed(.timeout, "slow") }, check: checked)
        #expect((0..<s.tree.count).allSatisfy { !s.tree.records[$0].flags.contains(.pruned) })
    }

    @Test(arguments: [(8, 4), (8, 2), (12, 3), (4, 4)])
    func beamKeepsExactlyNOverM(n: Int, m: Int) throws {
        var c = TreeScripts.configuration("beam")
        c.parameters.beam = .init(n: n, beamWidth: m)
        var s = try session(c, roles: [EvaluatorRole(name: "prm", kinds: [.step])])
        // Many distinct steps so there are always more than N/M candidates.
        let reqs = SessionRunner.run(&s, samples: TreeScripts.layered(depth: 4, distinct: 64), verdict: { job in
            .init(status: .ok, score: Double(job.item.steps.last!.utf8.reduce(0) { $0 &+ Int($1) } % 97 + 1) / 100)
        }, check: checked)
        let beam = try #require(s.strategy as? BeamSearch)
        #expect(beam.keptPerRound == Array(repeating: n / m, count: 3))
        #expect(reqs.first?.samples == n)
        #expect(reqs.dropFirst().allSatisfy { $0.samples == m })
        #expect(reqs.count == 1 + 3 * (n / m))
        // The beams kept after round 0 are the best-scoring children of the root.
        let kids = s.tree.children(of: .root).sorted { s.tree[$0].score > s.tree[$1].score }
        let kept = Set(reqs[1...(n / m)].map { $0.prefix.last!.key.node })
        #expect(kept == Set(kids.prefix(n / m).map(\.rawValue)))
        #expect(s.choice().node != nil)
    }

    @Test func beamBreaksEqualScoresByPathLikelihood() throws {
        var c = TreeScripts.configuration("beam")
        c.parameters.beam = .init(n: 8, beamWidth: 4)
        var s = try session(c, roles: [EvaluatorRole(name: "verifier", kinds: [.step])])
        // Every step scores 1 (a binary verifier); later samples are the more likely ones, so a
        // tie-break by node id would keep the wrong beams.
        let reqs = SessionRunner.run(&s, samples: { r in
            (0..<r.samples).map { i in
                r.prefix.count >= 3 ? SessionRunner.sample("answer: 0\n")
                    : SessionRunner.sample("d\(r.prefix.count)-\(i)\n", logprob: -0.1 * Float(r.samples - i))
            }
        }, check: checked)
        let kids = s.tree.children(of: .root)
        let likeliest = kids.sorted { s.tree.pathLogprob(to: $0) > s.tree.pathLogprob(to: $1) }.prefix(2)
        #expect(Set(reqs[1...2].map { $0.prefix.last!.key.node }) == Set(likeliest.map(\.rawValue)))
        #expect(Set(likeliest) == Set(kids.suffix(2)))
    }

    @Test func dvtsGrowsIndependentGreedySubtrees() throws {
        var c = TreeScripts.configuration("dvts")
        c.parameters.dvts = .init(n: 8, beamWidth: 4)
        var s = try session(c, roles: [EvaluatorRole(name: "prm", kinds: [.step])])
        let reqs = SessionRunner.run(&s, samples: TreeScripts.layered(depth: 3, distinct: 4), verdict: { job in
            .init(status: .ok, score: job.item.steps.last!.contains("-2") ? 0.9 : 0.5)
        }, check: checked)
        #expect(reqs[0].samples == 2)
        // Two subtrees, each expanded at depths 1 and 2 with M samples: 1 + 2 × 2 requests.
        #expect(reqs.count == 5)
        #expect(reqs.dropFirst().allSatisfy { $0.samples == 4 })
        // Each subtree moved to the child scored 0.9 ("d2-2"), never to a sibling.
        let kept = reqs.dropFirst().compactMap { $0.prefix.count >= 3 ? $0.prefix[2].text : nil }
        #expect(kept.allSatisfy { $0 == "d2-2\n" })
        #expect(s.choice().answer != nil)
    }

    @Test(arguments: [MCTS.LeafValue.rollout, .prm, .outcome])
    func mctsNeverExpandsAPendingLeafTwice(leaf: MCTS.LeafValue) throws {
        var c = TreeScripts.configuration("mcts")
        c.parameters.mcts = .init(simulations: 40, width: 3, leafValue: leaf)
        c.treeInFlight = 8
        var s = try session(c, roles: [EvaluatorRole(name: "v", kinds: [.step, .outcome])])
        var seenKeys = Set<UInt32>()
        let reqs = SessionRunner.run(&s, batch: 8, samples: TreeScripts.layered(depth: 5, distinct: 3), verdict: { job in
            job.kind == .outcome ? .init(status: .ok, score: job.item.steps.last!.hasPrefix("answer: 0") ? 1 : 0)
                : .init(status: .ok, score: 0.5)
        }, check: { t in
            self.checked(t)
        })
        for r in reqs {
            let key = r.prefix.last!.key.node
            #expect(!seenKeys.contains(key), "node \(key) expanded twice")
            seenKeys.insert(key)
        }
        let m = try #require(s.strategy as? MCTS)
        #expect(m.completed == 40)
        #expect(s.tree._invariantViolations(idle: true).isEmpty)
        #expect(s.tree[.root].visits == 40)
        #expect(s.choice().node != nil)
    }

    @Test func mctsVirtualLossSpreadsConcurrentLeaves() throws {
        var c = TreeScripts.configuration("mcts")
        c.parameters.mcts = .init(simulations: 64, width: 4, leafValue: .prm)
        c.treeInFlight = 4
        let s = try session(c, roles: [EvaluatorRole(name: "prm", kinds: [.step])])
        var nextID: RequestID = 1
        // First request: the root. Answer it, then ask for 4 at once: 4 distinct leaves.
        let first = s.requests(limit: 4, nextID: &nextID)
        #expect(first.count == 1)
        for j in s.receive(StepResult(id: first[0].id, samples: TreeScripts.layered(depth: 9, distinct: 4)(first[0]))) {
            s.receive(.init(status: .ok, score: 0.5), for: j)
        }
        let batch = s.requests(limit: 4, nextID: &nextID)
        #expect(batch.count == 4)
        #expect(Set(batch.map { $0.prefix.last!.key.node }).count == 4)
        #expect(s.tree[.root].inFlight == 4)
        // The tree has exactly 4 open leaves now, all pending: further selection collides.
        #expect(s.requests(limit: 4, nextID: &nextID).isEmpty)
        let m = try #require(s.strategy as? MCTS)
        #expect(m.collisions > 0)
    }

    @Test func mctsFirstVisitsTheLikeliestChild() throws {
        var c = TreeScripts.configuration("mcts")
        c.parameters.mcts = .init(simulations: 8, width: 2, leafValue: .outcome)
        let s = try session(c)
        var nextID: RequestID = 1
        let root = s.requests(limit: 1, nextID: &nextID)
        _ = s.receive(StepResult(id: root[0].id, samples: [SessionRunner.sample("unlikely\n", logprob: -3),
                                                           SessionRunner.sample("likely\n", logprob: -0.1)]))
        let kids = s.tree.children(of: .root)
        #expect(s.tree[kids[1]].prior > 0.9)
        let next = s.requests(limit: 1, nextID: &nextID)
        #expect(next.first?.prefix.last?.key.node == kids[1].rawValue)
    }

    @Test func mctsAlphaZeroAndConstantFormsBothSearch() throws {
        for form in MCTS.Exploration.allCases {
            var c = TreeScripts.configuration("mcts")
            c.parameters.mcts = .init(simulations: 20, width: 2, exploration: form, cPuct: 2, leafValue: .rollout)
            var s = try session(c, roles: [EvaluatorRole(name: "v", kinds: [.outcome])])
            _ = SessionRunner.run(&s, samples: TreeScripts.layered(depth: 3, distinct: 2), verdict: { job in
                .init(status: .ok, score: job.item.steps.last!.hasPrefix("answer: 0") ? 1 : 0)
            }, check: checked)
            #expect(s.choice().answer == "0")
        }
    }

    @Test func registryListsEveryStrategy() throws {
        #expect(StrategyRegistry.names == ["greedy", "best-of-n", "beam", "dvts", "mcts", "omegaprm"])
        #expect(throws: CoreError.self) { try StrategyRegistry.entry(named: "nope") }
    }
}
