import Foundation
import StepTreeCore
import StepTreeExport
import StepTreeStore
import StepTreeTestSupport
import Testing

/// Inputs an export cannot use get an error that names the file, the line and what is missing.
@Suite struct ExportErrorTests {
    typealias F = ExportFixture

    func expectError(_ code: ExportError.Code, containing parts: [String], _ body: () throws -> Void,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            try body()
            Issue.record("no error", sourceLocation: sourceLocation)
        } catch let e as ExportError {
            #expect(e.code == code, sourceLocation: sourceLocation)
            for p in parts { #expect(e.message.contains(p), "\(e.message)", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func anotherSchemaVersionIsNamedWithItsLine() throws {
        let dir = try F.directory()
        let good = try F.record(HandTree.make())
        let path = try F.write([good], extraLines: [#"{"schema":"steptree.tree/2","problems":[]}"#, "{}"], in: dir)
        expectError(.schema, containing: [path + ":2", "steptree.tree/2", "steptree.tree/1"]) {
            _ = try LoadedTree.load(path)
        }
        let other = try F.write([], extraLines: [#"{"nodes":[]}"#, "{}"], in: dir, name: "other.jsonl")
        expectError(.schema, containing: [other + ":1", "no 'schema' field"]) { _ = try LoadedTree.load(other) }
        expectError(.io, containing: [dir + "/absent.jsonl"]) { _ = try LoadedTree.load(dir + "/absent.jsonl") }
    }

    @Test func treesWithoutTokenIdsCannotGiveTokenAdvantages() throws {
        var t = SearchTree(prompt: "p\n")
        t.expand(.root, with: [StepSample(text: "answer: 1\n", finish: .endOfSequence)], isTerminal: { _ in true })
        t.addVerdict(NodeVerdict(evaluator: "check", kind: .outcome, outcome: .init(status: .ok, score: 1)), to: NodeID(1))
        let dir = try F.directory()
        let path = try F.write([F.record(t, id: "no-tokens")], in: dir)
        expectError(.missingField, containing: [path + ":1", "'no-tokens'", "#1", "token ids"]) {
            _ = try Exporter.export(inputs: [path], format: .tokenAdvantages, options: .init(), out: dir + "/out.jsonl")
        }
    }

    @Test func treesWithoutTheChosenValueNameTheMissingField() throws {
        var t = SearchTree(prompt: "p\n")
        t.expand(.root, with: [SessionRunner.sample("answer: 1\n", finish: .endOfSequence)], isTerminal: { _ in true })
        let dir = try F.directory()
        let path = try F.write([F.record(t)], in: dir)
        let out = dir + "/out.jsonl"
        expectError(.missingField, containing: [path + ":1", "'reward'", "outcome verifier"]) {
            _ = try Exporter.export(inputs: [path], format: .trlPRM, options: .init(), out: out)
        }
        var o = ExportOptions()
        o.value = .q
        expectError(.missingField, containing: ["'visits'", "--value q"]) {
            _ = try Exporter.export(inputs: [path], format: .trlDPO, options: o, out: out)
        }
        o.value = .prm
        expectError(.missingField, containing: ["'score'"]) {
            _ = try Exporter.export(inputs: [path], format: .mathShepherd, options: o, out: out)
        }
    }

    @Test func verlNeedsAJSONNameAndReferences() throws {
        let dir = try F.directory()
        let path = try F.write([F.record(HandTree.make())], in: dir)
        expectError(.badOption, containing: [".json"]) {
            _ = try Exporter.export(inputs: [path], format: .verl, options: .init(), out: dir + "/rl.jsonl")
        }
        let s = try Exporter.export(inputs: [path], format: .verl, options: .init(), out: dir + "/rl.json")
        #expect(s.rows == 1 && s.problems == 1 && s.problemsWithoutRows == 0)
        let written = try String(contentsOfFile: dir + "/rl.json", encoding: .utf8)
        #expect(written.split(separator: "\n").count == 1)
    }
}
