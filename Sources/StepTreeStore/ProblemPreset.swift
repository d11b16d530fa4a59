import Foundation
import StepTreeCore

/// Where a problem file keeps its id, prompt and reference answer, and how a path's answer is
/// recognised. Presets follow the datasets' published field names (reference/ecosystem.md §5).
public struct ProblemPreset: Hashable, Sendable {
    /// How the reference answer is taken from its field.
    public enum ReferenceRule: String, Hashable, Sendable {
        /// The whole field (trimmed).
        case whole
        /// The text after the last `#### `, commas removed (GSM8K).
        case afterHashes
        /// The content of the last `\boxed{...}` (MATH `solution`).
        case lastBoxed
    }

    public var name: String
    /// The id field; nil: `line-N`.
    public var idField: String?
    /// Candidate prompt fields, first present wins.
    public var promptFields: [String]
    public var referenceField: String?
    public var referenceRule: ReferenceRule
    /// Recognises the answer step (a path ends there) and extracts the answer.
    public var answerMarker: AnswerMarker?
    /// Fields a line must have besides the prompt (code tests, ...).
    public var requiredFields: [String]

    public init(name: String, idField: String?, promptFields: [String], referenceField: String?,
                referenceRule: ReferenceRule = .whole, answerMarker: AnswerMarker?, requiredFields: [String] = []) {
        self.name = name
        self.idField = idField
        self.promptFields = promptFields
        self.referenceField = referenceField
        self.referenceRule = referenceRule
        self.answerMarker = answerMarker
        self.requiredFields = requiredFields
    }

    static let boxed = AnswerMarker("\\boxed{", braced: true)

    /// The built-in presets.
    public static let all: [ProblemPreset] = [
        ProblemPreset(name: "countdown", idField: "id", promptFields: ["prompt"], referenceField: "answer",
                      answerMarker: AnswerMarker("answer:", atLineStart: true), requiredFields: ["numbers", "target"]),
        ProblemPreset(name: "gsm8k", idField: nil, promptFields: ["question"], referenceField: "answer",
                      referenceRule: .afterHashes, answerMarker: AnswerMarker("####")),
        ProblemPreset(name: "math500", idField: "unique_id", promptFields: ["problem"], referenceField: "answer",
                      answerMarker: boxed),
        ProblemPreset(name: "math", idField: nil, promptFields: ["problem"], referenceField: "solution",
                      referenceRule: .lastBoxed, answerMarker: boxed),
        ProblemPreset(name: "humaneval", idField: "task_id", promptFields: ["prompt"], referenceField: nil,
                      answerMarker: nil, requiredFields: ["test", "entry_point"]),
        ProblemPreset(name: "mbpp", idField: "task_id", promptFields: ["text", "prompt"], referenceField: nil,
                      answerMarker: nil, requiredFields: ["test_list"]),
    ]

    /// The preset named `name`.
    /// - Throws: `StoreError.unknownPreset` listing the names.
    public static func named(_ name: String) throws -> ProblemPreset {
        guard let p = all.first(where: { $0.name == name }) else {
            throw StoreError(.unknownPreset, "unknown preset '\(name)'; known: \(all.map(\.name).joined(separator: ", "))")
        }
        return p
    }

    /// The preset whose fields a first line has (countdown: numbers+target; math500: unique_id
    /// + answer; math: solution; gsm8k: question+answer; humaneval: entry_point; mbpp: test_list).
    public static func infer(from fields: [String: JSON]) -> ProblemPreset? {
        let has = { (k: String) in fields[k] != nil }
        let name: String?
        if has("numbers") && has("target") && has("prompt") { name = "countdown" }
        else if has("problem") && has("unique_id") && has("answer") { name = "math500" }
        else if has("problem") && has("solution") { name = "math" }
        else if has("question") && has("answer") { name = "gsm8k" }
        else if has("entry_point") && has("test") { name = "humaneval" }
        else if has("test_list") { name = "mbpp" }
        else { name = nil }
        return name.flatMap { n in all.first { $0.name == n } }
    }

    /// A preset from an explicit mapping `id=FIELD`, `prompt=FIELD`, `reference=FIELD`, `marker=TEXT`
    /// over `base` (or an empty "custom" preset).
    /// - Throws: `StoreError.missingField` for a malformed entry.
    public static func mapping(_ entries: [String], base: ProblemPreset?) throws -> ProblemPreset {
        var p = base ?? ProblemPreset(name: "custom", idField: nil, promptFields: ["prompt"], referenceField: nil,
                                      answerMarker: nil)
        for e in entries {
            guard let eq = e.firstIndex(of: "="), !e[e.index(after: eq)...].isEmpty else {
                throw StoreError(.missingField, "field mapping '\(e)' is not KEY=FIELD (keys: id, prompt, reference, marker)")
            }
            let key = String(e[..<eq]), value = String(e[e.index(after: eq)...])
            switch key {
            case "id": p.idField = value
            case "prompt": p.promptFields = [value]
            case "reference": p.referenceField = value; p.referenceRule = .whole
            case "marker": p.answerMarker = AnswerMarker(value, atLineStart: value.hasSuffix(":"))
            default: throw StoreError(.missingField, "field mapping '\(e)': unknown key '\(key)' (keys: id, prompt, reference, marker)")
            }
        }
        if base != nil { p.name += "+mapping" }
        return p
    }

    /// The reference answer from a field's text under `referenceRule`.
    public func reference(from text: String) -> String? {
        switch referenceRule {
        case .whole:
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        case .afterHashes:
            guard let r = text.range(of: "####", options: .backwards) else { return nil }
            return text[r.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: ",", with: "")
        case .lastBoxed:
            guard let r = text.range(of: "\\boxed{", options: .backwards) else { return nil }
            return Self.boxed.extract(from: String(text[r.lowerBound...]))
        }
    }
}
