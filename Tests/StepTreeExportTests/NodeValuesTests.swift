import StepTreeCore
import StepTreeTestSupport
import Testing

@Suite struct NodeValuesTests {
    let v = NodeValues(tree: HandTree.make())
    typealias H = HandTree

    static func close(_ a: Double?, _ b: Double, _ eps: Double = 1e-9) -> Bool { a.map { abs($0 - b) < eps } ?? false }

    @Test func monteCarloValuesCountMergedSamplesAndOutcomes() {
        #expect(v.tree[H.a].count == 2)
        #expect(Self.close(v.mc(.root), 1.0 / 3))
        #expect(Self.close(v.mc(H.a), 0.5))
        #expect(Self.close(v.mc(H.b), 0))
        #expect(Self.close(v.mc(H.a1), 1))
        #expect(v.rollouts[0] == 3 && v.correct[0] == 1)
        #expect(v.rollouts[H.a.index] == 2 && v.correct[H.a.index] == 1)
        #expect(v.hardLabel(H.a) == true && v.hardLabel(H.b) == false && v.hardLabel(H.c) == false)
    }

    @Test func timeoutsNeverCountAsWrongButUnreadableAnswersDo() {
        var u = SearchTree(prompt: "p\n")
        u.expand(.root, with: [SessionRunner.sample("x", finish: .endOfSequence), SessionRunner.sample("y", finish: .endOfSequence),
                               SessionRunner.sample("z", finish: .endOfSequence)], isTerminal: { _ in false })
        let (x, y, z) = (NodeID(1), NodeID(2), NodeID(3))
        u.addVerdict(NodeVerdict(evaluator: "check", kind: .outcome, outcome: .failed(.timeout, "slow")), to: x)
        u.addVerdict(NodeVerdict(evaluator: "check", kind: .outcome, outcome: .init(status: .ok, score: 1)), to: y)
        u.addVerdict(NodeVerdict(evaluator: "check", kind: .outcome, outcome: .failed(.unparseable, "no answer")), to: z)
        let w = NodeValues(tree: u)
        #expect(w.outcome(x) == nil && w.outcome(y) == 1 && w.outcome(z) == 0)
        #expect(w.rollouts[0] == 2 && Self.close(w.mc(.root), 0.5))
        #expect(w.mc(x) == nil && w.hardLabel(x) == nil)
    }

    @Test func aRejectedStepEndsItsRolloutWithoutSuccess() {
        // B's step C is rejected instead of continued: B's rollout ends there with outcome 0.
        var t = SearchTree(prompt: "p\n")
        t.expand(.root, with: [SessionRunner.sample("ok\n"), SessionRunner.sample("bad\n")], isTerminal: { _ in false })
        t.addVerdict(NodeVerdict(evaluator: "check", kind: .step, outcome: .init(status: .ok, score: 0)), to: NodeID(2))
        t.setFlags(.pruned, on: NodeID(2))
        t.expand(NodeID(1), with: [SessionRunner.sample("answer: 1\n", finish: .endOfSequence)], isTerminal: { _ in true })
        t.addVerdict(NodeVerdict(evaluator: "check", kind: .outcome, outcome: .init(status: .ok, score: 1)), to: NodeID(3))
        let w = NodeValues(tree: t)
        #expect(w.pathEnds() == [NodeID(2), NodeID(3)])
        #expect(w.outcome(NodeID(2)) == 0 && w.outcome(NodeID(1)) == nil)
        #expect(Self.close(w.mc(.root), 0.5) && Self.close(w.mc(NodeID(2)), 0) && w.hardLabel(NodeID(2)) == false)
        #expect(w.rolloutCredits().map(\.leaf) == [NodeID(2), NodeID(3)])
    }

    @Test func backedUpQAndStepScores() {
        #expect(Self.close(v.q(H.a), 0.5))
        #expect(Self.close(v.q(.root), 1.0 / 3))
        #expect(v.visits(.root) == 3)
        #expect(Self.close(v.prm(H.a), 0.9, 1e-6))
        #expect(v.prm(H.leaf) == nil)
    }

    @Test func minFormIsTheMeanOverRolloutsOfTheFutureMinimum() {
        // #3: min(0.9, 0.8) from A, #4: min(0.9, 0.3); the outcome 0 stands in for #6's missing score.
        #expect(Self.close(v.minForm(H.a1), 0.8, 1e-6))
        #expect(Self.close(v.minForm(H.a), (0.8 + 0.3) / 2, 1e-6))
        #expect(Self.close(v.minForm(H.b), 0))
        #expect(Self.close(v.minForm(.root), (0.8 + 0.3 + 0) / 3, 1e-6))
    }

    @Test func progressSiblingTDAndGlobalAdvantages() {
        #expect(Self.close(v.progress(H.a, .mc), 0.5 - 1.0 / 3))
        #expect(Self.close(v.progress(H.b, .mc), -1.0 / 3))
        #expect(v.progress(.root, .mc) == nil)
        // Siblings A (count 2, 0.5) and B (count 1, 0): mean 1/3, deviation √(1/18).
        #expect(Self.close(v.siblingAdvantage(H.a, .mc), 1.0 / 6))
        #expect(Self.close(v.siblingAdvantage(H.b, .mc), -1.0 / 3))
        #expect(Self.close(v.siblingAdvantage(H.a, .mc, normalize: true), (1.0 / 6) / (1.0 / 18).squareRoot()))
        #expect(Self.close(v.siblingAdvantage(H.c, .mc, normalize: true), 0))
        // TD only where the parent branches: the root and A do, B and C do not.
        #expect(Self.close(v.branchTD(H.a, .mc), 1.0 / 6))
        #expect(Self.close(v.branchTD(H.a1, .mc), 0.5))
        #expect(Self.close(v.branchTD(H.c, .mc), 0))
        #expect(Self.close(v.branchTD(H.leaf, .mc), 0))
        #expect(Self.close(v.globalAdvantage(H.a1, .mc), 2.0 / 3))
        #expect(Self.close(v.globalAdvantage(H.a, .q), 0.5 - 1.0 / 3))
    }

    @Test func rolloutCreditAddsBranchCorrectionsAndMasksTheSharedPrefix() throws {
        let credits = v.rolloutCredits(.mc)
        #expect(credits.map(\.leaf) == [H.a1, H.a2, H.leaf])
        let sd = (2.0 / 9).squareRoot()
        let first = credits[0]
        #expect(Self.close(first.outcomeAdvantage, (2.0 / 3) / sd))
        #expect(Self.close(first.stepAdvantages[0], (2.0 / 3) / sd + 1.0 / 6))
        #expect(Self.close(first.stepAdvantages[1], (2.0 / 3) / sd + 0.5))
        // A is shared with #4's rollout; the answer step diverges. B's path splits at the root.
        #expect(first.divergent == [false, true])
        #expect(credits[2].divergent == [true, true, true])
        #expect(credits[2].afterBranch == [true, false, false])
        let unnormalised = v.rolloutCredits(.mc, normalize: false)
        #expect(Self.close(unnormalised[2].outcomeAdvantage, -1.0 / 3))
        let tok = try #require(first.perToken(in: v.tree))
        #expect(tok.tokens.count == "a\n".count + "answer: 1\n".count)
        #expect(tok.advantages.count == tok.tokens.count && tok.divergentMask == [0, 0] + Array(repeating: 1, count: 10))
        #expect(tok.branchMask == Array(repeating: 1, count: 12))
    }

    @Test func stepPairsNeedTheMarginAndAFinishedRolloutOnEachSide() {
        let pairs = v.stepPairs(.mc, margin: 0.5)
        #expect(pairs.count == 2)
        #expect(pairs[0].parent == .root && pairs[0].chosen == H.a && pairs[0].rejected == H.b)
        #expect(pairs[0].chosenLeaf == H.a1 && pairs[0].rejectedLeaf == H.leaf)
        #expect(pairs[1].chosen == H.a1 && pairs[1].rejected == H.a2)
        #expect(v.stepPairs(.mc, margin: 0.6).map(\.chosen) == [H.a1])
        // PRM values: A 0.9 vs B 0.2, #3 0.8 vs #4 0.3.
        #expect(v.stepPairs(.prm, margin: 0.5).count == 2)
        #expect(v.stepPairs(.prm, margin: 0.7).count == 0)
    }
}
