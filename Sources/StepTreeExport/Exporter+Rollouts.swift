import StepTreeCore

extension Exporter {
    /// One verl prompt row per problem; the tree's pass rate and rollout count go in `extra_info`.
    static func verlRow(_ t: LoadedTree, _ o: ExportOptions) throws -> ExportRow {
        guard let reference = t.record.problem.reference else {
            throw ExportError(.missingField, "\(t.name): no reference answer, which verl's reward_model.ground_truth needs")
        }
        let preset = t.record.run["preset"]?.string ?? "steptree"
        return [
            "data_source": .string(o.dataSource ?? "steptree/\(preset)"),
            "prompt": .array([.object(["role": "user", "content": .string(t.record.problem.prompt)])]),
            "ability": .string(o.ability),
            "reward_model": .object(["style": "rule", "ground_truth": .string(reference)]),
            "extra_info": .object([
                "split": .string(o.split),
                "index": .number(Double(t.record.problem.index)),
                "problem_id": .string(t.record.problem.id),
                "pass_rate": number(t.values.mc(.root)),
                "n_rollouts": .number(Double(t.values.rollouts[0])),
            ]),
        ]
    }

    /// Per-token advantages for each rollout with an outcome (finished, or ended by a rejected step).
    static func tokenRows(_ t: LoadedTree, _ o: ExportOptions) throws -> [ExportRow] {
        try t.values.rolloutCredits(o.value, normalize: o.normalizeAdvantages).map { c in
            guard let tok = c.perToken(in: t.tree) else {
                let bad = c.steps.first { t.tree.tokens[$0.index].isEmpty }!
                throw ExportError(.missingField, "\(t.name): step #\(bad.rawValue) has no token ids, which token-advantages " +
                                  "needs (search with a generator that returns them: embedded or openai)")
            }
            var ends: [JSON] = [], total = 0
            for s in c.steps { total += t.tree.tokens[s.index].count; ends.append(.number(Double(total))) }
            let promptTokens = t.tree.tokens[0]
            return [
                "problem_id": .string(t.record.problem.id),
                "leaf_id": .number(Double(c.leaf.rawValue)),
                "count": .number(Double(t.tree[c.leaf].count)),
                "prompt": .string(t.record.problem.prompt),
                "prompt_token_ids": promptTokens.isEmpty ? .null : .array(promptTokens.map { .number(Double($0)) }),
                "token_ids": .array(tok.tokens.map { .number(Double($0)) }),
                "advantages": .array(tok.advantages.map { number($0) }),
                "divergent_mask": .array(tok.divergentMask.map { .number(Double($0)) }),
                "branch_mask": .array(tok.branchMask.map { .number(Double($0)) }),
                "step_ends": .array(ends),
                "outcome": number(c.outcome),
                "outcome_advantage": number(c.outcomeAdvantage),
                "value_kind": .string(o.value.rawValue),
            ]
        }
    }

    /// The `top` best finished correct traces of a problem: highest outcome, then most samples,
    /// then the lowest node id.
    static func sftRows(_ t: LoadedTree, _ o: ExportOptions) -> [ExportRow] {
        let good = rewardedLeaves(t).filter { t.values.outcome($0)! >= 0.5 }.sorted { a, b in
            let (oa, ob) = (t.values.outcome(a)!, t.values.outcome(b)!)
            if oa != ob { return oa > ob }
            if t.tree[a].count != t.tree[b].count { return t.tree[a].count > t.tree[b].count }
            return a < b
        }
        return good.prefix(max(0, o.top)).map { leaf in
            [
                "prompt": .string(t.record.problem.prompt),
                "completion": .string(t.text(from: .root, to: leaf)),
                "problem_id": .string(t.record.problem.id),
                "leaf_id": .number(Double(leaf.rawValue)),
                "outcome": number(t.values.outcome(leaf)),
                "count": .number(Double(t.tree[leaf].count)),
            ]
        }
    }
}
