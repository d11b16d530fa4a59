import Foundation
import Testing
import StepTreeCore
@testable import StepTreeStore

@Suite struct ProblemFileTests {
    @Test func countdownExampleInfersItsPreset() throws {
        let f = try ProblemFile(path: repositoryRoot + "/Examples/countdown/problems-test.jsonl")
        #expect(f.preset.name == "countdown")
        #expect(f.problems.count == 500)
        let p = f.problems[0]
        #expect(p.id == "countdown-test-00000")
        #expect(p.prompt == "nums: 3 3 12 target: 3\n")
        #expect(p.reference == "3")
        #expect(p.fields["numbers"] == [3, 3, 12])
        #expect(f.preset.answerMarker?.matches("answer: 3\n") == true)
    }

    @Test(arguments: [
        ("gsm8k", #"{"question": "How many?", "answer": "48/2 = <<48/2=24>>24\n#### 1,072"}"#, "line-1", "How many?", "1072"),
        ("math", #"{"problem": "Find x.", "solution": "So $\\boxed{\\frac{1}{2}}$.", "level": "Level 2", "type": "Algebra"}"#,
         "line-1", "Find x.", "\\frac{1}{2}"),
        ("math500", #"{"problem": "Convert.", "solution": "...", "answer": "\\left( 3, \\frac{\\pi}{2} \\right)", "subject": "Precalculus", "level": 2, "unique_id": "test/precalculus/807.json"}"#,
         "test/precalculus/807.json", "Convert.", "\\left( 3, \\frac{\\pi}{2} \\right)"),
        ("humaneval", #"{"task_id": "HumanEval/0", "prompt": "def f():\n", "canonical_solution": "  pass", "test": "def check(c): pass", "entry_point": "f"}"#,
         "HumanEval/0", "def f():\n", nil),
        ("mbpp", #"{"task_id": 601, "text": "Write a function.", "code": "x", "test_list": ["assert f() == 1"], "test_setup_code": "", "challenge_test_list": []}"#,
         "601", "Write a function.", nil),
    ] as [(String, String, String, String, String?)])
    func presetsReadTheirDatasets(preset: String, line: String, id: String, prompt: String, reference: String?) throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let path = dir.file("p.jsonl", line + "\n")
        let inferred = try ProblemFile(path: path)
        #expect(inferred.preset.name == preset)
        let named = try ProblemFile(path: path, preset: try ProblemPreset.named(preset))
        for f in [inferred, named] {
            #expect(f.problems.count == 1)
            #expect(f.problems[0].id == id)
            #expect(f.problems[0].prompt == prompt)
            #expect(f.problems[0].reference == reference)
        }
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let line = #"{"id": "a", "numbers": [1, 2], "target": 3, "prompt": "nums: 1 2 target: 3\n", "answer": "3"}"#
        let path = dir.path + "/bom.jsonl"
        #expect(FileManager.default.createFile(atPath: path, contents: Data([0xEF, 0xBB, 0xBF] + Array((line + "\n").utf8))))
        #expect(try ProblemFile(path: path).problems.map(\.id) == ["a"])
    }

    @Test func malformedLinesNameFileAndLine() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let path = dir.file("bad.jsonl", """
            {"id": "a", "numbers": [1, 2], "target": 3, "prompt": "nums: 1 2 target: 3\\n", "answer": "3"}

            {"id": "b", "numbers": [1, 2], "target": 3, "prompt": "x"
            {"id": "c", "numbers": [1, 2], "target": 3, "answer": "3"}
            {"id": "a", "numbers": [1, 2], "target": 3, "prompt": "y", "answer": "3"}
            [1, 2]
            {"id": "d", "numbers": [1, 2], "target": 3, "prompt": "z", "answer": "3"}

            """)
        do {
            _ = try ProblemFile(path: path)
            Issue.record("no error")
        } catch let e as StoreError {
            // The line is cut off: the parser names the byte where it ran out.
            #expect(e.message == "\(path):3: invalid JSON at byte 57: unexpected end of text in an object")
        }
        let lenient = try ProblemFile(path: path, skipInvalid: true)
        #expect(lenient.problems.map(\.id) == ["a", "d"])
        #expect(lenient.lines == [1, 7])
        #expect(lenient.skipped == 4)
        // Each kind of bad line, alone, names its line.
        for (body, message) in [
            (#"{"id": "c", "numbers": [1], "target": 3, "answer": "3"}"#, ":2: missing field 'prompt'"),
            (#"{"id": "a", "numbers": [1], "target": 3, "prompt": "y", "answer": "3"}"#, ":2: duplicate id 'a' (first on line 1)"),
            ("[1, 2]", ":2: a problem line must be a JSON object"),
        ] {
            let p = dir.file("one.jsonl", #"{"id": "a", "numbers": [1], "target": 3, "prompt": "p", "answer": "3"}"# + "\n" + body + "\n")
            #expect(throws: StoreError.self) { try ProblemFile(path: p) }
            do { _ = try ProblemFile(path: p) } catch let e as StoreError { #expect(e.message.contains(message), "\(e.message)") }
        }
    }

    @Test func explicitMappingAndTemplates() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let path = dir.file("custom.jsonl", #"{"key": "k1", "q": "What is 2+2?", "gold": "4", "nums": [2, 2]}"# + "\n")
        do { _ = try ProblemFile(path: path) } catch let e as StoreError { #expect(e.code == .unknownPreset) }
        let tpl = PromptTemplate("Q: {prompt}\nNumbers: {nums} {{literal}}\n")
        let f = try ProblemFile(path: path, mapping: ["id=key", "prompt=q", "reference=gold", "marker=answer:"], template: tpl)
        #expect(f.problems[0].id == "k1")
        #expect(f.problems[0].prompt == "Q: What is 2+2?\nNumbers: 2 2 {literal}\n")
        #expect(f.problems[0].reference == "4")
        #expect(f.preset.answerMarker?.extract(from: "answer: 4\n") == "4")
        #expect(throws: StoreError.self) { try ProblemFile(path: path, mapping: ["prompt=q"], template: PromptTemplate("{nope}")) }
        #expect(throws: StoreError.self) { try ProblemPreset.mapping(["bogus"], base: nil) }
    }
}
