import StepTreeCore

extension Exporter {
    /// TRL DPO rows (standard format): the shared prefix in `prompt`, each side its branch step
    /// and the rest of a finished rollout below it.
    static func pairRows(_ t: LoadedTree, _ o: ExportOptions) -> [ExportRow] {
        t.values.stepPairs(o.value, margin: o.margin).map { p in
            func outcome(_ l: NodeID) -> JSON { number(t.values.outcome(l)) }
            return [
                "prompt": .string(t.record.problem.prompt + t.text(from: .root, to: p.parent)),
                "chosen": .string(t.text(from: p.parent, to: p.chosenLeaf)),
                "rejected": .string(t.text(from: p.parent, to: p.rejectedLeaf)),
                "chosen_value": number(p.chosenValue),
                "rejected_value": number(p.rejectedValue),
                "margin": number(p.chosenValue - p.rejectedValue),
                "value_kind": .string(o.value.rawValue),
                "chosen_outcome": outcome(p.chosenLeaf),
                "rejected_outcome": outcome(p.rejectedLeaf),
                "problem_id": .string(t.record.problem.id),
                "parent_id": .number(Double(p.parent.rawValue)),
                "chosen_id": .number(Double(p.chosen.rawValue)),
                "rejected_id": .number(Double(p.rejected.rawValue)),
            ]
        }
    }
}
