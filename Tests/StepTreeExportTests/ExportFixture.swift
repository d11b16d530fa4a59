import Foundation
import StepTreeCore
import StepTreeExport
import StepTreeStore
import Testing

/// Tree files for exporter tests, written with the store's own record type.
enum ExportFixture {
    /// A fresh temporary directory.
    static func directory() throws -> String {
        let dir = NSTemporaryDirectory() + "steptree-export-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The tree record of `tree` as a countdown problem searched with `strategy`.
    static func record(_ tree: SearchTree, id: String = "cd-0", strategy: String = "omegaprm") throws -> TreeRecord {
        var c = SearchConfiguration()
        c.strategy = strategy
        let fp = try RunFingerprint(backend: "scripted", model: "m", configuration: c, verifiers: ["check@1"], judge: nil,
                                    preset: "countdown", template: "{prompt}")
        let problem = Problem(id: id, prompt: tree.texts[0], reference: "3", fields: ["target": 3])
        let result = ProblemResult(index: 0, problem: problem, tree: tree, chosen: HandTree.a1, answer: "1",
                                   judgement: nil, cost: ProblemCost(), stopReason: nil)
        return TreeRecord(result: result, fileIndex: 0, fingerprint: fp, marker: AnswerMarker("answer:", atLineStart: true))
    }

    /// Writes records (or raw lines) as a tree file and returns its path.
    static func write(_ records: [TreeRecord], extraLines: [String] = [], in dir: String, name: String = "trees.jsonl") throws -> String {
        var data = Data()
        let e = JSONEncoder()
        for r in records { data.append(try e.encode(r)); data.append(UInt8(ascii: "\n")) }
        for l in extraLines { data.append(Data((l + "\n").utf8)) }
        let path = dir + "/" + name
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The hand tree's file, loaded.
    static func handTrees() throws -> [LoadedTree] {
        let dir = try directory()
        return try LoadedTree.load(write([record(HandTree.make())], in: dir)).trees
    }

    /// The JSON type shape of a value: for objects, only the keys `like` has are compared.
    static func shape(_ v: JSON) -> String {
        switch v {
        case .null: return "null"
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "string"
        case .array(let a): return "array<" + (a.first.map(shape) ?? "") + ">"
        case .object(let o): return "object{" + o.keys.sorted().map { "\($0):\(shape(o[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    /// Expects `row` to have every field of `example` with the same JSON type (recursively).
    static func expectConforms(_ row: JSON, to example: JSON, path: String = "row",
                               sourceLocation: SourceLocation = #_sourceLocation) {
        switch (example, row) {
        case (.object(let ex), .object(let r)):
            for (k, ev) in ex {
                guard let rv = r[k] else {
                    Issue.record("\(path) lacks field '\(k)'", sourceLocation: sourceLocation)
                    continue
                }
                expectConforms(rv, to: ev, path: path + "." + k, sourceLocation: sourceLocation)
            }
        case (.array(let ex), .array(let r)):
            guard let e0 = ex.first else { return }
            for (i, x) in r.enumerated() { expectConforms(x, to: e0, path: "\(path)[\(i)]", sourceLocation: sourceLocation) }
        default:
            #expect(shape(row) == shape(example), "\(path): \(shape(row)) where the example has \(shape(example))",
                    sourceLocation: sourceLocation)
        }
    }

    static func json(_ text: String) -> JSON {
        try! JSONDecoder().decode(JSON.self, from: Data(text.utf8))
    }
}
