import StepTreePluginProtocol

/// A program to run and the tests it must pass, taken from one verify item.
///
/// The program is the last fenced code block of the completion (```` ```python ```` or a bare
/// fence); without a fence, the completion continues the prompt (HumanEval completion style:
/// `prompt + completion`). When a fenced HumanEval block does not define the entry point, the
/// prompt is put in front of it. Tests come from the problem's fields:
/// - HumanEval: `test` (defines `check`) and `entry_point`: one test, `check(entry_point)`;
/// - MBPP: `test_list` (one test per assert), with `test_setup_code` / `test_imports` run first;
/// - stdin/stdout: `tests` as an array of `{"input", "output"}` objects, or `input_output` as
///   `{"inputs": [...], "outputs": [...]}` (an object or a JSON string, APPS / LiveCodeBench).
public struct CodeTask: Hashable, Sendable {
    /// How the tests exercise the program.
    public enum Mode: String, Hashable, Sendable {
        /// Each test is Python source run after the program in its namespace.
        case assert
        /// Each test feeds stdin and compares stdout.
        case stdio
    }

    /// One stdin/stdout case.
    public struct IOCase: Hashable, Sendable {
        /// Text given on stdin.
        public var input: String
        /// Expected stdout (compared line by line, trailing blanks ignored).
        public var output: String

        /// Creates a case.
        public init(input: String, output: String) {
            self.input = input
            self.output = output
        }
    }

    /// The candidate program.
    public var code: String
    /// The test style.
    public var mode: Mode
    /// Assert-style tests (mode `assert`).
    public var asserts: [String]
    /// Stdin/stdout cases (mode `stdio`).
    public var cases: [IOCase]
    /// Source run after the program and before the tests (MBPP `test_setup_code`, `test_imports`).
    public var setup: String

    /// Creates a task directly.
    public init(code: String, mode: Mode, asserts: [String] = [], cases: [IOCase] = [], setup: String = "") {
        self.code = code
        self.mode = mode
        self.asserts = asserts
        self.cases = cases
        self.setup = setup
    }

    /// Number of tests.
    public var testCount: Int { mode == .assert ? asserts.count : cases.count }

    /// Reads the program and the tests of `item`.
    /// - Throws: `CodeVerifierError` naming the item and the field when no test style fits or a
    ///   field has the wrong shape.
    public init(item: VerifyItem) throws {
        let fields = item.fields
        let owner = "item \(item.id) (problem \(item.problemID))"
        let completion = item.completion
        let fenced = Self.lastFencedBlock(completion)
        if let test = fields["test"]?.string, let entry = fields["entry_point"]?.string {
            var code = fenced ?? (item.prompt + completion)
            if fenced != nil, !code.contains("def \(entry)") { code = item.prompt + "\n" + code }
            self.init(code: code, mode: .assert, asserts: [test + "\n\ncheck(\(entry))\n"])
            return
        }
        let code = fenced ?? completion
        if let list = fields["test_list"] {
            guard let asserts = list.array?.compactMap(\.string), asserts.count == list.array?.count, !asserts.isEmpty else {
                throw CodeVerifierError(.badField, "\(owner): field \"test_list\" must be a non-empty array of strings")
            }
            var setup = fields["test_setup_code"]?.string ?? ""
            if let imports = fields["test_imports"]?.array?.compactMap(\.string), !imports.isEmpty {
                setup = imports.joined(separator: "\n") + "\n" + setup
            }
            self.init(code: code, mode: .assert, asserts: asserts, setup: setup)
            return
        }
        if let tests = fields["tests"] {
            guard let list = tests.array, !list.isEmpty else {
                throw CodeVerifierError(.badField, "\(owner): field \"tests\" must be a non-empty array of {input, output}")
            }
            let cases = try list.enumerated().map { i, t in
                guard let input = t["input"]?.string, let output = t["output"]?.string else {
                    throw CodeVerifierError(.badField, "\(owner): field \"tests[\(i)]\" needs string \"input\" and \"output\"")
                }
                return IOCase(input: input, output: output)
            }
            self.init(code: code, mode: .stdio, cases: cases)
            return
        }
        if var io = fields["input_output"] {
            if let text = io.string { io = (try? JSON.parse(text)) ?? .null }
            guard let inputs = io["inputs"]?.array, let outputs = io["outputs"]?.array, inputs.count == outputs.count,
                  !inputs.isEmpty else {
                throw CodeVerifierError(.badField, "\(owner): field \"input_output\" needs equal-length \"inputs\" and \"outputs\"")
            }
            let cases = zip(inputs, outputs).map { IOCase(input: Self.text($0), output: Self.text($1)) }
            self.init(code: code, mode: .stdio, cases: cases)
            return
        }
        throw CodeVerifierError(.noTests, "\(owner): no tests: expected \"test\" + \"entry_point\" (HumanEval), "
            + "\"test_list\" (MBPP), \"tests\" or \"input_output\" (stdin/stdout)")
    }

    /// A string field as is; a list of lines joined (some datasets split stdin into lines).
    private static func text(_ value: JSON) -> String {
        if let s = value.string { return s }
        if let lines = value.array?.compactMap(\.string) { return lines.joined(separator: "\n") + "\n" }
        return value.text
    }

    /// The body of the last complete fenced block (```` ``` ```` with an optional language tag),
    /// or nil when there is none.
    public static func lastFencedBlock(_ text: String) -> String? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var blocks: [String] = []
        var open: [Substring]?
        for line in lines {
            let trimmed = line.trimmingLeadingSpaces()
            if open == nil {
                if trimmed.hasPrefix("```") { open = [] }
            } else if trimmed.hasPrefix("```") && trimmed.dropFirst(3).allSatisfy(\.isWhitespace) {
                blocks.append(open!.joined(separator: "\n") + "\n")
                open = nil
            } else {
                open!.append(line)
            }
        }
        return blocks.last
    }
}

extension Substring {
    fileprivate func trimmingLeadingSpaces() -> Substring {
        drop { $0 == " " || $0 == "\t" }
    }
}
