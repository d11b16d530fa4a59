import StepTreeCodeVerifier
import StepTreePluginProtocol
import Testing

@Suite("Program and test extraction")
struct CodeTaskTests {
    typealias S = SandboxTestSupport

    func item(_ completion: String, prompt: String = "", fields: [String: JSON]) -> VerifyItem {
        VerifyItem(id: "i", problemID: "p", prompt: prompt, fields: fields, steps: [completion], finished: true)
    }

    @Test func lastFencedBlockWins() {
        let text = "first\n```python\nx = 1\n```\nthen\n```\ny = 2\n```\nbye"
        #expect(CodeTask.lastFencedBlock(text) == "y = 2\n")
        #expect(CodeTask.lastFencedBlock("no fence here") == nil)
        #expect(CodeTask.lastFencedBlock("```python\nunclosed") == nil)
    }

    @Test func humanEvalCompletionContinuesThePrompt() throws {
        let fields: [String: JSON] = ["test": "def check(c):\n    assert c(1) == 2\n", "entry_point": "inc"]
        let plain = try CodeTask(item: item("    return x + 1\n", prompt: "def inc(x):\n", fields: fields))
        #expect(plain.code == "def inc(x):\n    return x + 1\n")
        #expect(plain.mode == .assert && plain.asserts == ["def check(c):\n    assert c(1) == 2\n\n\ncheck(inc)\n"])
        // A fenced block that defines the entry point stands alone; one that does not gets the prompt.
        let full = try CodeTask(item: item("```python\ndef inc(x):\n    return x + 1\n```", prompt: "def inc(x):\n", fields: fields))
        #expect(full.code == "def inc(x):\n    return x + 1\n")
        let helper = try CodeTask(item: item("```python\nimport math\n```", prompt: "def inc(x):\n    return x + 1\n", fields: fields))
        #expect(helper.code.hasPrefix("def inc(x):"))
    }

    @Test func mbppTestsAndSetup() throws {
        let task = try CodeTask(item: item("```python\ndef f():\n    return 1\n```", fields: [
            "test_list": ["assert f() == 1", "assert f() != 2"], "test_setup_code": "X = 1", "test_imports": ["import math"],
        ]))
        #expect(task.asserts.count == 2 && task.setup == "import math\nX = 1")
        #expect(throws: CodeVerifierError.self) { try CodeTask(item: item("x", fields: ["test_list": [1]])) }
    }

    @Test func stdioTestsInBothShapes() throws {
        let listed = try CodeTask(item: item("print(1)", fields: ["tests": [["input": "", "output": "1\n"]]]))
        #expect(listed.mode == .stdio && listed.cases == [CodeTask.IOCase(input: "", output: "1\n")])
        let apps = try CodeTask(item: item("print(1)", fields: ["input_output": #"{"inputs": ["2\n", ["3", "4"]], "outputs": ["x", "y"]}"#]))
        #expect(apps.cases.map(\.input) == ["2\n", "3\n4\n"])
        #expect(throws: CodeVerifierError.self) { try CodeTask(item: item("x", fields: ["question": "?"])) }
    }

    @Test func stdioProgramsAreJudgedPerCase() async throws {
        let cases = [CodeTask.IOCase(input: "3 4\n", output: "7\n"), CodeTask.IOCase(input: "10 -2\n", output: "8")]
        let sum = "a, b = map(int, input().split())\nprint(a + b)\n"
        let right = try await S.judge(CodeTask(code: sum, mode: .stdio, cases: cases), id: "r")
        #expect(right.status == .ok && right.score == 1, "\(right.detail ?? "")")
        let wrong = try await S.judge(CodeTask(code: sum.replacingOccurrences(of: "a + b", with: "a * b"), mode: .stdio,
                                                  cases: cases), id: "w")
        #expect(wrong.status == .ok && wrong.score == 0, "\(wrong.detail ?? "")")
        #expect(wrong.detail?.contains("expected") == true)
    }

    @Test func failuresNameTheAssertion() async throws {
        let r = try await S.judge("def f(x):\n    return x\n", ["assert f(1) == 1", "assert f(2) == 3", "assert f(3) == 4"])
        #expect(r.status == .ok && abs(r.score - 1.0 / 3) < 1e-9)
        #expect(r.detail == "1/3 tests passed; first failure (test 1): AssertionError: assert f(2) == 3")
        let crash = try await S.judge("def f():\n    return 1\n", ["assert f() == 1", "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)",
                                                         "assert f() == 1"])
        #expect(crash.status == .ok && abs(crash.score - 1.0 / 3) < 1e-9)
        #expect(crash.detail?.hasPrefix("program ended early (killed by signal 11") == true, "\(crash.detail ?? "")")
        let broken = try await S.judge("def f(x) return x\n", ["assert f(1) == 1"])
        #expect(broken.status == .ok && broken.score == 0 && broken.detail?.contains("SyntaxError") == true)
    }

    @Test func sandboxFailureIsAnErrorNotAWrongAnswer() async throws {
        let broken = CodeVerifier(sandbox: Sandbox(python: "/usr/bin/no-such-python", limits: S.limits))
        let r = try await S.judge(CodeTask(code: "x = 1\n", mode: .assert, asserts: ["assert x == 1"]), id: "e", with: broken)
        #expect(r.status == .error && r.score == 0)
        #expect(r.detail?.contains("sandbox failed") == true && r.detail?.contains("no-such-python") == true, "\(r.detail ?? "")")
        #expect(try await S.offThePool { broken.sandbox.probe() } != nil)
        #expect(try await S.offThePool { S.verifier.sandbox.probe() } == nil)
    }

    @Test func emptyCompletionIsUnparseable() throws {
        let r = try S.verifier.judge(item("  \n", fields: ["test_list": ["assert True"]]))
        #expect(r.status == .unparseable)
    }
}
