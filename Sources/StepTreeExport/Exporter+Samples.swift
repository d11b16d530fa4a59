import StepTreeCore

extension Exporter {
    /// OmegaPRM samples: one per step node whose prefix has MC rollouts (at least
    /// `minRollouts`), with the invariant `parent_prefix + step == prefix`. `mc_source` says where
    /// the label comes from: `monte_carlo` (rollouts below), `terminal_answer` (the answer's own
    /// verdict) or `rejected_step` (a step verifier rejected the step).
    static func sampleRows(_ t: LoadedTree, _ o: ExportOptions) -> [ExportRow] {
        var out: [ExportRow] = []
        for i in 1..<max(1, t.tree.count) {
            let id = NodeID(UInt32(i))
            let n = t.values.rollouts[i]
            guard n >= max(1, o.minRollouts), let mc = t.values.mc(id) else { continue }
            let parent = NodeID(t.tree[id].parent)
            let parentPrefix = t.text(from: .root, to: parent)
            let step = t.tree.texts[i]
            let flags = t.tree[id].flags
            let source = flags.contains(.finished) ? "terminal_answer"
                : flags.contains(.pruned) && !flags.contains(.expanded) ? "rejected_step" : "monte_carlo"
            out.append([
                "question": .string(t.record.problem.prompt),
                "parent_prefix": .string(parentPrefix),
                "step": .string(step),
                "prefix": .string(parentPrefix + step),
                "label": number(mc),
                "hard_label": .bool(t.values.correct[i] > 0),
                "n_correct": .number(Double(t.values.correct[i])),
                "n_rollouts": .number(Double(n)),
                "mc_source": .string(source),
                "problem_id": .string(t.record.problem.id),
                "parent_id": .number(Double(parent.rawValue)),
                "child_id": .number(Double(i)),
                "sample_id": .string("\(t.record.problem.id)/\(i)"),
                "step_tokens": .number(Double(t.tree.tokens[i].count)),
                "strategy": .string(t.record.run["strategy"]?.string ?? ""),
                "tree_rollouts": .number(Double(t.values.rollouts[0])),
                "tree_generated_tokens": .number(Double(t.record.cost.generatedTokens)),
                "gold_answer": t.record.problem.reference.map { .string($0) } ?? .null,
            ])
        }
        return out
    }

    /// With `balance`, keeps every sample of the smaller hard-label class and as many of the
    /// larger one, evenly spaced through it (OmegaPRM balances positive and negative examples).
    static func balanced(_ rows: [ExportRow], _ o: ExportOptions) -> [ExportRow] {
        guard o.balance else { return rows }
        let pos = rows.filter { $0["hard_label"] == .bool(true) }, neg = rows.filter { $0["hard_label"] == .bool(false) }
        let (small, large) = pos.count <= neg.count ? (pos, neg) : (neg, pos)
        guard !small.isEmpty else { return [] }
        let step = Double(large.count) / Double(small.count)
        let kept = (0..<small.count).map { large[Int(Double($0) * step)] }
        return small + kept
    }
}
