import Foundation
import Testing
import StepTreeCore
import StepTreeStore
import StepTreeTestSupport

@Suite struct TreeFileTests {
    func configuration(_ strategy: String = "mcts") -> SearchConfiguration {
        var c = TreeScripts.configuration(strategy)
        c.parameters.mcts.simulations = 8
        c.concurrency = 3
        return c
    }

    func fingerprint(_ c: SearchConfiguration) throws -> RunFingerprint {
        try RunFingerprint(backend: "scripted", model: "script", configuration: c, verifiers: ["answer@1"], judge: nil,
                           preset: "countdown", template: "default")
    }

    func problemFile(_ dir: TempDirectory, count: Int) throws -> ProblemFile {
        let lines = (0..<count).map { i in
            #"{"id": "q\#(i)", "numbers": [1, 2], "target": 3, "prompt": "nums: 1 2 target: 3 #\#(i)\n", "answer": "0"}"#
        }
        return try ProblemFile(path: dir.file("problems.jsonl", lines.joined(separator: "\n") + "\n"))
    }

    func driver(_ c: SearchConfiguration, failAfter: Int? = nil) -> SearchDriver {
        let verifier = ScriptedEvaluator(name: "answer", kinds: [.step, .outcome]) { item in
            let a = TreeScripts.marker.extract(from: item.steps.last ?? "")
            if !item.finished { return .init(status: .ok, score: 0.7, stepScores: [0.7]) }
            return .init(status: .ok, score: a == item.problem.reference ? 1 : 0, answer: a, detail: "checked")
        }
        return SearchDriver(generator: ScriptedGenerator(script: TreeScripts.layered(depth: 3, distinct: 2)),
                            evaluators: [verifier], configuration: c)
    }

    @Test func writerReaderRoundTripRebuildsTheTree() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let c = configuration()
        let job = SearchJob(file: try problemFile(dir, count: 4), outPath: dir.file("trees.jsonl"), resume: false,
                            fingerprint: try fingerprint(c))
        var results: [String: ProblemResult] = [:]
        let drv = driver(c)
        let summary = try await drv.run(job.file.problems) { results[$0.problem.id] = $0 }
        let report = try await job.run(drv)
        #expect(report.summary.problems == 4)
        #expect(summary.solved == report.summary.solved)
        let contents = try TreeFileReader.read(job.outPath)
        #expect(!contents.tornTail)
        #expect(contents.records.count == 4)
        for rec in contents.records {
            #expect(rec.schema == "steptree.tree/1")
            #expect(rec.fingerprint == (try fingerprint(c)).digest)
            let original = try #require(results[rec.problem.id])
            let tree = try rec.makeTree()
            #expect(tree.count == original.tree.count)
            #expect(tree.texts == original.tree.texts)
            #expect(tree.tokens == original.tree.tokens)
            #expect(tree.logprobs == original.tree.logprobs)
            #expect(tree.verdicts == original.tree.verdicts)
            for i in 0..<tree.count {
                var a = tree.records[i], b = original.tree.records[i]
                (a.score, b.score, a.reward, b.reward) = (0, 0, 0, 0)
                #expect(a == b)
                #expect(tree.records[i].hasScore == original.tree.records[i].hasScore)
            }
            #expect(rec.chosen == original.chosen?.rawValue)
            #expect(rec.answer == original.answer)
            #expect(rec.problem.index == Int(rec.problem.id.dropFirst())!)
            #expect(rec.cost.expansions > 0)
        }
    }

    @Test func tornLastLineIsIgnoredAndCutOnResume() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let c = configuration()
        let path = dir.file("trees.jsonl")
        let w = try TreeFileWriter(path: path, fingerprint: try fingerprint(c), resume: false)
        var tree = SearchTree(prompt: "p\n")
        tree.expand(.root, with: [SessionRunner.sample("answer: 0\n")], isTerminal: { TreeScripts.marker.matches($0) })
        let result = ProblemResult(index: 0, problem: Problem(id: "x", prompt: "p\n", reference: "0"), tree: tree,
                                   chosen: NodeID(1), answer: "0", judgement: nil, cost: .init(), stopReason: nil)
        try w.append(TreeRecord(result: result, fileIndex: 0, fingerprint: try fingerprint(c), marker: TreeScripts.marker))
        let goodLength = try Data(contentsOf: URL(fileURLWithPath: path)).count
        try w.write(Data(#"{"schema":"steptree.tree/1","fingerprint":"#.utf8))
        let contents = try TreeFileReader.read(path)
        #expect(contents.records.count == 1)
        #expect(contents.tornTail)
        #expect(contents.validLength == goodLength)
        let resumed = try TreeFileWriter(path: path, fingerprint: try fingerprint(c), resume: true)
        #expect(resumed.droppedTornLine)
        #expect(resumed.completedIDs == ["x"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == goodLength)
        // A bad line that is not the last one is an error naming file:line.
        try Data("garbage\n".utf8 + (try Data(contentsOf: URL(fileURLWithPath: path)))).write(to: URL(fileURLWithPath: path))
        #expect(throws: StoreError.self) { try TreeFileReader.read(path) }
        do { _ = try TreeFileReader.read(path) } catch let e as StoreError { #expect(e.message.hasPrefix("\(path):1:")) }
    }

    @Test func resumeAfterAKillWritesEveryProblemOnce() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let c = configuration()
        let file = try problemFile(dir, count: 10)
        let out = dir.file("trees.jsonl")
        // First run: killed after 4 problems (onResult stops the run), leaving a torn line.
        struct Killed: Error {}
        let fp = try fingerprint(c)
        let w = try TreeFileWriter(path: out, fingerprint: fp, resume: false)
        var written = 0
        await #expect(throws: Killed.self) {
            _ = try await driver(c).run(file.problems) { r in
                if written == 4 { throw Killed() }
                try w.append(TreeRecord(result: r, fileIndex: r.index, fingerprint: fp, marker: TreeScripts.marker))
                written += 1
            }
        }
        try w.write(Data(#"{"schema":"steptree.tree/1","finger"#.utf8))
        // Without --resume the file is refused; with a different fingerprint too.
        #expect(throws: StoreError.self) {
            try TreeFileWriter(path: out, fingerprint: fp, resume: false)
        }
        var other = c
        other.seed = 99
        do {
            _ = try await SearchJob(file: file, outPath: out, resume: true, fingerprint: try fingerprint(other)).run(driver(other))
            Issue.record("a different fingerprint was accepted")
        } catch let e as StoreError {
            #expect(e.code == .fingerprintMismatch)
            #expect(e.message.contains("seed: 0 ≠ 99"))
        }
        let report = try await SearchJob(file: file, outPath: out, resume: true, fingerprint: fp).run(driver(c))
        #expect(report.alreadyDone == 4)
        #expect(report.droppedTornLine)
        #expect(report.summary.problems == 6)
        let ids = try TreeFileReader.read(out).records.map(\.problem.id)
        #expect(ids.count == 10)
        #expect(Set(ids) == Set(file.problems.map(\.id)))
        // Resuming a complete file does nothing.
        let again = try await SearchJob(file: file, outPath: out, resume: true, fingerprint: fp).run(driver(c))
        #expect(again.summary.problems == 0 && again.alreadyDone == 10)
    }

    @Test func shardsPartitionTheFile() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let c = configuration("greedy")
        let file = try problemFile(dir, count: 7)
        var all: [String] = []
        for i in 0..<3 {
            let out = dir.file("shard\(i).jsonl")
            _ = try await SearchJob(file: file, shard: (i, 3), outPath: out, resume: false, fingerprint: try fingerprint(c))
                .run(driver(c))
            let recs = try TreeFileReader.read(out).records
            #expect(recs.allSatisfy { $0.problem.index % 3 == i })
            all += recs.map(\.problem.id)
        }
        #expect(all.sorted() == file.problems.map(\.id).sorted())
        // Merging the shards (one of them twice) gives every problem once, in file order.
        let shards = (0..<3).map { dir.file("shard\($0).jsonl") }
        let (merged, duplicates) = try TreeFileReader.merge(shards + [shards[0]])
        #expect(merged.map(\.problem.id) == file.problems.map(\.id))
        #expect(duplicates == 3)
        // A file of another run is refused.
        var other = c
        other.seed = 5
        let foreign = dir.file("other.jsonl")
        _ = try await SearchJob(file: file, shard: (0, 3), outPath: foreign, resume: false, fingerprint: try fingerprint(other))
            .run(driver(other))
        #expect(throws: StoreError.self) { try TreeFileReader.merge([shards[1], foreign]) }
    }

    @Test func renderingShowsTheChosenPathAndMarks() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let c = configuration("best-of-n")
        let out = dir.file("trees.jsonl")
        _ = try await SearchJob(file: try problemFile(dir, count: 1), outPath: out, resume: false, fingerprint: try fingerprint(c))
            .run(driver(c))
        let rec = try #require(try TreeFileReader.read(out).records.first)
        let text = rec.rendered()
        let lines = text.split(separator: "\n")
        #expect(lines[0].hasPrefix("q0  solved  answer \"0\" (reference \"0\")"))
        #expect(lines[1] == "  nums: 1 2 target: 3 #0⏎")
        #expect(lines.count == 1 + rec.nodes.count)
        #expect(lines.filter { $0.contains("★") }.count == 1)
        #expect(text.contains("×"))
        #expect(rec.rendered(headersOnly: true).split(separator: "\n").count == 1)
    }
}
