import StepTreeCore

extension Exporter {
    /// The Math-Shepherd step tag.
    static let stepTag = "ки"

    /// One row per path (to a finished node or a rejected step) whose steps all have values:
    /// TRL stepwise supervision, or Math-Shepherd's tagged text.
    static func stepRows(_ t: LoadedTree, _ o: ExportOptions, mathShepherd: Bool) throws -> [ExportRow] {
        let threshold = o.effectiveThreshold
        var out: [ExportRow] = []
        for leaf in t.values.pathEnds() {
            let steps = Array(t.tree.path(to: leaf).dropFirst())
            let values = steps.map { t.values.value($0, o.value) }
            if steps.isEmpty || values.contains(where: { $0 == nil }) { continue }
            let soft = values.map { $0! }
            let labels = soft.map { $0 > threshold }
            let texts = steps.map { t.stepWithoutDelimiter($0) }
            var row: ExportRow = ["problem_id": .string(t.record.problem.id), "leaf_id": .number(Double(leaf.rawValue))]
            if mathShepherd {
                if let bad = texts.firstIndex(where: { $0.contains(stepTag) }) {
                    throw ExportError(.missingField, "\(t.name): step #\(steps[bad].rawValue) contains the step tag '\(stepTag)'")
                }
                let tagged = texts.map { $0 + " " + stepTag }
                let marked = zip(texts, labels).map { $0 + " " + ($1 ? "+" : "-") }
                row["input"] = .string(t.record.problem.prompt + tagged.joined(separator: t.delimiter))
                row["label"] = .string(t.record.problem.prompt + marked.joined(separator: t.delimiter))
                row["task"] = .string(t.record.run["preset"]?.string ?? "steptree")
            } else {
                row["prompt"] = .string(t.record.problem.prompt)
                row["completions"] = .array(texts.map { .string($0) })
                row["labels"] = .array(labels.map { .bool($0) })
                row["values"] = .array(soft.map { number($0) })
                row["value_kind"] = .string(o.value.rawValue)
                row["threshold"] = .number(threshold)
                row["step_separator"] = .string(t.delimiter)
                row["outcome"] = number(t.values.outcome(leaf))
            }
            out.append(row)
        }
        return out
    }
}
