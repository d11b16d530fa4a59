import Foundation
import StepTreePluginProtocol

/// How a process reward model served by vLLM's `/pooling` endpoint is asked and read: everything
/// that differs between Qwen2.5-Math-PRM and Math-Shepherd is here, as data (README.md).
struct PRMServerConfig: Equatable {
    /// Model name sent in the request (`model`).
    var model: String
    /// The text after each step; the server's STEP pooler returns one row per occurrence.
    var stepTag: String
    /// Which column of a returned row is the probability that the step is correct.
    var positiveColumn: Int
    /// The input text: `{prompt}` and `{steps}` are replaced (the steps, each with trailing
    /// whitespace removed and `stepTag` appended, joined by `stepSeparator`).
    var template: String
    /// Text between tagged steps.
    var stepSeparator: String
    /// The pooling task sent as `task` (`token_classify` on recent vLLM); nil leaves it out
    /// (vLLM ≤ 0.9 has no such field).
    var task: String?

    /// Qwen/Qwen2.5-Math-PRM-7B: `<extra_0>` after each step, rows `[p_neg, p_pos]`, the model
    /// card's chat template.
    static let qwen = PRMServerConfig(
        model: "Qwen/Qwen2.5-Math-PRM-7B", stepTag: "<extra_0>", positiveColumn: 1,
        template: "<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n"
            + "<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n{steps}<|im_end|><|endoftext|>",
        stepSeparator: "", task: "token_classify")

    /// peiyi9979/math-shepherd-mistral-7b-prm served with
    /// `--pooler-config '{"pooling_type": "STEP", "step_tag_id": 12902, "returned_token_ids": [648, 387]}'`:
    /// ` ки` after each step, rows `[p('+'), p('-')]`.
    static let mathShepherd = PRMServerConfig(
        model: "peiyi9979/math-shepherd-mistral-7b-prm", stepTag: " ки", positiveColumn: 0,
        template: "{prompt} {steps}", stepSeparator: "\n", task: "token_classify")

    /// The preset named `name` (`qwen` or `math-shepherd`).
    static func preset(_ name: String) throws -> PRMServerConfig {
        switch name {
        case "qwen": return .qwen
        case "math-shepherd": return .mathShepherd
        default: throw PRMHTTPError("unknown preset \"\(name)\" (expected qwen or math-shepherd)")
        }
    }

    /// A preset (`preset`, default `qwen`) with the members of a JSON object applied over it
    /// (`model`, `stepTag`, `positiveColumn`, `template`, `stepSeparator`, `task`; `task: null`
    /// drops the field).
    static func from(json: JSON, source: String) throws -> PRMServerConfig {
        guard case .object(let members) = json else { throw PRMHTTPError("\(source): expected a JSON object") }
        var config = try preset(members["preset"]?.string ?? "qwen")
        for (key, value) in members {
            func string() throws -> String {
                guard let s = value.string else { throw PRMHTTPError("\(source): \"\(key)\" must be a string") }
                return s
            }
            switch key {
            case "preset": break
            case "model": config.model = try string()
            case "stepTag": config.stepTag = try string()
            case "template": config.template = try string()
            case "stepSeparator": config.stepSeparator = try string()
            case "task": config.task = value == .null ? nil : try string()
            case "positiveColumn":
                guard let n = value.int, n == 0 || n == 1 else { throw PRMHTTPError("\(source): \"positiveColumn\" must be 0 or 1") }
                config.positiveColumn = n
            default: throw PRMHTTPError("\(source): unknown member \"\(key)\"")
            }
        }
        return config
    }

    /// The `/pooling` input for a prompt and its steps.
    func input(prompt: String, steps: [String]) -> String {
        let tagged = steps.map { step -> String in
            var body = Substring(step)
            while let last = body.last, last.isWhitespace { body.removeLast() }
            return body + stepTag
        }
        return template.replacingOccurrences(of: "{prompt}", with: prompt)
            .replacingOccurrences(of: "{steps}", with: tagged.joined(separator: stepSeparator))
    }
}

/// A configuration, transport or response error of verifier-prm-http, naming the setting, URL or
/// response member at fault.
struct PRMHTTPError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
