import Foundation
import StepTreeCore

/// A JSONL problem file read under a preset: one problem per non-blank line.
public struct ProblemFile: Sendable {
    public let path: String
    public let preset: ProblemPreset
    public let problems: [Problem]
    /// Line number (1-based) of each problem, parallel to `problems`.
    public let lines: [Int]
    /// Lines skipped as invalid (only with `skipInvalid`).
    public let skipped: Int

    /// Reads and validates a problem file.
    /// - Parameters:
    ///   - preset: the preset; nil infers it from the first line's fields.
    ///   - mapping: explicit `KEY=FIELD` entries applied over the preset (see `ProblemPreset.mapping`).
    ///   - template: renders each prompt (default: the prompt field as is).
    ///   - skipInvalid: count malformed lines instead of failing on the first.
    /// - Throws: `StoreError` naming `file:line` for malformed JSON, a missing field, a duplicate
    ///   id; or naming the file when no preset fits.
    public init(path: String, preset: ProblemPreset? = nil, mapping: [String] = [], template: PromptTemplate = .identity,
                skipInvalid: Bool = false) throws {
        guard var data = FileManager.default.contents(atPath: path) else {
            throw StoreError(.io, "\(path): cannot read problem file")
        }
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { data.removeFirst(3) }  // a UTF-8 byte order mark, as some editors write
        self.path = path
        var chosen = try preset.map { mapping.isEmpty ? $0 : try ProblemPreset.mapping(mapping, base: $0) }
        var problems: [Problem] = []
        var lines: [Int] = []
        var skipped = 0
        var seen: [String: Int] = [:]
        var lineNo = 0
        for raw in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNo += 1
            if raw.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            do {
                let value: JSON
                do { value = try JSON.parse(raw) } catch let e as JSONSyntaxError {
                    throw StoreError(.malformedLine, "\(path):\(lineNo): \(e)")
                }
                guard let fields = value.object else {
                    throw StoreError(.malformedLine, "\(path):\(lineNo): a problem line must be a JSON object")
                }
                if chosen == nil {
                    let inferred = ProblemPreset.infer(from: fields)
                    if inferred == nil && mapping.isEmpty {
                        throw StoreError(.unknownPreset, "\(path):\(lineNo): no preset matches the fields \(fields.keys.sorted()); " +
                                         "give --preset NAME or --field prompt=FIELD (and id=, reference=, marker=)")
                    }
                    chosen = mapping.isEmpty ? inferred : try ProblemPreset.mapping(mapping, base: inferred)
                }
                let p = try Self.problem(fields, line: lineNo, path: path, preset: chosen!, template: template)
                if let first = seen[p.id] {
                    throw StoreError(.duplicateID, "\(path):\(lineNo): duplicate id '\(p.id)' (first on line \(first))")
                }
                seen[p.id] = lineNo
                problems.append(p)
                lines.append(lineNo)
            } catch let e as StoreError where skipInvalid && e.code != .unknownPreset && e.code != .template {
                skipped += 1
            }
        }
        guard let chosen else { throw StoreError(.malformedLine, "\(path): no problems") }
        self.preset = chosen
        self.problems = problems
        self.lines = lines
        self.skipped = skipped
    }

    static func problem(_ fields: [String: JSON], line: Int, path: String, preset: ProblemPreset,
                        template: PromptTemplate) throws -> Problem {
        func text(_ key: String) throws -> String {
            guard let v = fields[key] else {
                throw StoreError(.missingField, "\(path):\(line): missing field '\(key)' (preset \(preset.name))")
            }
            guard let s = v.scalarText else {
                throw StoreError(.missingField, "\(path):\(line): field '\(key)' is not a string or number (preset \(preset.name))")
            }
            return s
        }
        for f in preset.requiredFields where fields[f] == nil {
            throw StoreError(.missingField, "\(path):\(line): missing field '\(f)' (preset \(preset.name))")
        }
        let id = try preset.idField.map(text) ?? "line-\(line)"
        guard let promptKey = preset.promptFields.first(where: { fields[$0] != nil }) else {
            throw StoreError(.missingField, "\(path):\(line): missing field '\(preset.promptFields.joined(separator: "' or '"))' (preset \(preset.name))")
        }
        let prompt = try template.render(prompt: try text(promptKey), fields: fields)
        var reference: String? = nil
        if let rf = preset.referenceField {
            reference = preset.reference(from: try text(rf))
            if reference == nil {
                throw StoreError(.missingField, "\(path):\(line): field '\(rf)' holds no reference answer for preset \(preset.name)")
            }
        }
        return Problem(id: id, prompt: prompt, reference: reference, fields: fields)
    }
}
