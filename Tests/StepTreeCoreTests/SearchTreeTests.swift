import Testing
import StepTreeCore
import StepTreeTestSupport

@Suite struct SearchTreeTests {
    @Test func recordSizeIsPinned() {
        #expect(MemoryLayout<NodeRecord>.stride <= 48)
    }

    @Test func identicalSiblingsMergeWithCountsAndPriorsSumToOne() {
        var tree = SearchTree(prompt: "p\n")
        let samples = [SessionRunner.sample("a\n", logprob: -1), SessionRunner.sample("b\n", logprob: -2),
                       SessionRunner.sample("a\n", logprob: -1), SessionRunner.sample("", logprob: 0)]
        let kids = tree.expand(.root, with: samples, isTerminal: { _ in false })
        #expect(kids.count == 2)
        #expect(tree.records[kids.lowerBound].count == 2)
        #expect(tree.records[kids.lowerBound + 1].count == 1)
        let pa = Double(tree.records[kids.lowerBound].prior), pb = Double(tree.records[kids.lowerBound + 1].prior)
        // 2·e^-1 / (2·e^-1 + e^-2)
        #expect(abs(pa - 0.8446) < 1e-3)
        #expect(abs(pa + pb - 1) < 1e-6)
        #expect(tree._invariantViolations(idle: true).isEmpty)
    }

    @Test func finishFlagsFollowEOSMarkerLengthAndDepth() {
        var tree = SearchTree(prompt: "p\n")
        let kids = tree.expand(.root, with: [
            SessionRunner.sample("x", finish: .endOfSequence), SessionRunner.sample("answer: 3\n"),
            SessionRunner.sample("long", finish: .length), SessionRunner.sample("step\n"),
        ], maxDepth: 5, isTerminal: { TreeScripts.marker.matches($0) })
        let flags = kids.map { tree.records[$0].flags }
        #expect(flags[0].contains(.finished) && !flags[0].contains(.truncated))
        #expect(flags[1].contains(.finished))
        #expect(flags[2].contains(.finished) && flags[2].contains(.truncated))
        #expect(!flags[3].contains(.finished))
        let deep = tree.expand(NodeID(UInt32(kids.upperBound - 1)), with: [SessionRunner.sample("s\n")], maxDepth: 2,
                               isTerminal: { _ in false })
        #expect(tree.records[deep.lowerBound].flags.contains(.truncated))
        let dead = tree.expand(NodeID(UInt32(deep.lowerBound)), with: [], isTerminal: { _ in false })
        #expect(dead.isEmpty)
    }

    @Test func failedExpansionMarksParent() {
        var tree = SearchTree(prompt: "p\n")
        tree.expand(.root, with: [], isTerminal: { _ in false })
        #expect(tree[.root].flags.contains(.failed))
        #expect(tree[.root].flags.contains(.expanded))
    }

    @Test func backupAndVirtualLossKeepCountsConsistent() {
        var tree = SearchTree(prompt: "p\n")
        let k = tree.expand(.root, with: [SessionRunner.sample("a\n"), SessionRunner.sample("b\n")], isTerminal: { _ in false })
        let a = NodeID(UInt32(k.lowerBound))
        tree.beginVisit(at: a)
        #expect(tree[.root].inFlight == 1)
        #expect(tree._invariantViolations().isEmpty)
        #expect(!tree._invariantViolations(idle: true).isEmpty)
        tree.backup(0.5, from: a, started: true)
        #expect(tree[.root].visits == 1 && tree[a].visits == 1 && tree[.root].inFlight == 0)
        #expect(tree[a].meanValue == 0.5)
        #expect(tree._invariantViolations(idle: true).isEmpty)
    }

    @Test func invariantCheckerCatchesCorruption() {
        var tree = SearchTree(prompt: "p\n")
        let k = tree.expand(.root, with: [SessionRunner.sample("a\n")], isTerminal: { _ in false })
        tree.backup(1, from: NodeID(UInt32(k.lowerBound)), started: false)
        tree.backup(1, from: NodeID(UInt32(k.lowerBound)), started: false)
        #expect(tree._invariantViolations().isEmpty)
        tree.beginVisit(at: .root)   // in flight on the root only: fine while running, not when idle
        #expect(tree._invariantViolations().isEmpty)
        #expect(tree._invariantViolations(idle: true).count == 1)
    }

    @Test func answerMarkers() {
        let countdown = AnswerMarker("answer:", atLineStart: true)
        #expect(countdown.extract(from: "answer: 61\n") == "61")
        #expect(countdown.extract(from: "step: 2 + 3 = 5 | 5 answer: 5\n") == nil)
        let gsm = AnswerMarker("####")
        #expect(gsm.extract(from: "so #### 1,234\n") == "1234")
        let math = AnswerMarker("\\boxed{", braced: true)
        #expect(math.extract(from: "thus $\\boxed{\\frac{1}{2}}$.") == "\\frac{1}{2}")
        #expect(math.matches("\\boxed{3}"))
    }

    @Test func seedsDependOnLineageNotArrivalOrder() {
        var t1 = SearchTree(prompt: "p", seed: 7), t2 = SearchTree(prompt: "p", seed: 7)
        t1.expand(.root, with: [SessionRunner.sample("a\n"), SessionRunner.sample("b\n")], isTerminal: { _ in false })
        t2.expand(.root, with: [SessionRunner.sample("a\n"), SessionRunner.sample("b\n")], isTerminal: { _ in false })
        #expect(t1.seeds == t2.seeds)
        #expect(Set(t1.seeds).count == 3)
        #expect(SeedMixer.root(runSeed: 1, problemID: "x") != SeedMixer.root(runSeed: 1, problemID: "y"))
    }
}
