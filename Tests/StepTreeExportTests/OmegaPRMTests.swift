import StepTreeCore
import StepTreeTestSupport
import Testing

/// OmegaPRM on a scripted world whose truth is known: a path is correct exactly when none of its
/// steps is a `bad` step, so a prefix can still succeed exactly when it has no `bad` step.
@Suite struct OmegaPRMTests {
    static let depth = 4

    /// Sample i at depth d: `bad` when i mod 3 == 2, else `good<i mod 3>`; the answer line after
    /// `depth` steps is right only on an all-good path.
    static let world: @Sendable (StepRequest) -> [StepSample] = { r in
        let d = r.prefix.count
        let clean = !r.prefix.contains { $0.text.hasPrefix("bad") }
        return (0..<r.samples).map { i in
            if d > depth { return SessionRunner.sample(clean ? "answer: 1\n" : "answer: 0\n") }
            return SessionRunner.sample(i % 3 == 2 ? "bad\(d)\n" : "good\(i % 3)\n")
        }
    }

    static func run(_ search: OmegaPRM.FirstErrorSearch, k: Int = 6, budget: Int = 200) throws -> (SearchSession, [StepRequest]) {
        var c = TreeScripts.configuration("omegaprm")
        c.parameters.omegaprm = .init(rolloutsPerEstimate: k, rolloutBudget: budget, firstErrorSearch: search)
        var s = try SearchSession(index: 0, problem: Problem(id: "p", prompt: "p\n", reference: "1"), configuration: c,
                                  evaluators: [EvaluatorRole(name: "check", kinds: [.outcome])])
        let reqs = SessionRunner.run(&s, samples: world, verdict: { job in
            .init(status: .ok, score: job.item.steps.last == "answer: 1\n" ? 1 : 0)
        }, check: { t in #expect(t._invariantViolations().isEmpty) })
        return (s, reqs)
    }

    static func truth(_ t: SearchTree, _ id: NodeID) -> Bool {
        !t.steps(to: id).contains { $0.hasPrefix("bad") || $0 == "answer: 0\n" }
    }

    @Test func estimatesAgreeWithTheTruthAndEveryEstimateHasKRollouts() throws {
        let (s, reqs) = try Self.run(.binary)
        let omega = try #require(s.strategy as? OmegaPRM)
        let v = NodeValues(tree: s.tree)
        #expect(s.isDone && s.tree._invariantViolations(idle: true).isEmpty)
        #expect(omega.estimated.first == .root && omega.estimated.count > 1, "estimated \(omega.estimated), searches \(omega.searchesStarted)")
        #expect(omega.searchesStarted > 0)
        #expect(reqs.allSatisfy { $0.samples == 6 })
        for node in omega.estimated {
            #expect(v.rollouts[node.index] >= 6, "\(node) has \(v.rollouts[node.index]) rollouts")
            #expect(v.hardLabel(node) == Self.truth(s.tree, node), "\(node): \(s.tree.steps(to: node))")
        }
        // Every MC-labelled node's hard label is the truth here (no noise in this world).
        for i in 1..<s.tree.count where v.rollouts[i] > 0 {
            #expect(v.hardLabel(NodeID(UInt32(i))) == Self.truth(s.tree, NodeID(UInt32(i))))
        }
        #expect(s.choice().node.map { s.tree[$0].flags.contains(.finished) } == true)
    }

    @Test func binarySearchProbesFewerPrefixesThanPerStepEstimation() throws {
        let (binary, _) = try Self.run(.binary)
        let (linear, _) = try Self.run(.linear)
        let b = try #require(binary.strategy as? OmegaPRM), l = try #require(linear.strategy as? OmegaPRM)
        // The same pool order: the first search starts from the same wrong rollout.
        #expect(b.searchesStarted >= 1 && l.searchesStarted >= 1)
        let perSearchB = Double(b.estimated.count - 1) / Double(b.searchesStarted)
        let perSearchL = Double(l.estimated.count - 1) / Double(l.searchesStarted)
        #expect(perSearchB < perSearchL, "binary \(b.estimated.count) estimates / \(b.searchesStarted) searches, linear \(l.estimated.count) / \(l.searchesStarted)")
    }

    @Test func theRolloutBudgetBoundsTheRolloutsStarted() throws {
        let (s, _) = try Self.run(.binary, k: 4, budget: 12)
        let omega = try #require(s.strategy as? OmegaPRM)
        #expect(omega.rolloutsStarted <= 12)
        #expect(omega.estimated.count <= 3)
        #expect(s.isDone)
    }
}
