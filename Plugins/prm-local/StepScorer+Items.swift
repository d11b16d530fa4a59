import StepTreePluginKit

extension StepScorer {
    /// The results for all items of one `verify` request, in item order. The items that can be
    /// scored go through batched forward passes of at most `itemsPerPass` items (the prompt and
    /// steps the items share are computed once: by the first pass that needs them, then read from
    /// the cache); an item without steps is `unparseable`, one longer than the cache is `error`.
    /// A cancel is seen between passes: the items not yet scored answer `timeout`, the scored
    /// ones keep their scores. `detail` says how many tokens an item's pass computed for how many items.
    func results(for items: [VerifyItem], itemsPerPass: Int = 16, isCancelled: () -> Bool) -> [ItemResult] {
        var results: [ItemResult] = []
        var batch: [(index: Int, sequence: (tokens: [Int32], positions: [Int]))] = []
        for (i, item) in items.enumerated() {
            var result = ItemResult(id: item.id, status: .unparseable, score: 0, detail: "no steps to score")
            if !item.steps.isEmpty {
                let s = sequence(prompt: item.prompt, steps: item.steps)
                if s.tokens.count > maxRows {
                    result = ItemResult(id: item.id, status: .error, score: 0,
                                        detail: "item \(item.id) has \(s.tokens.count) tokens, more than the cache's \(maxRows) rows (--max-rows)")
                } else {
                    batch.append((i, s))
                }
            }
            results.append(result)
        }
        for start in stride(from: 0, to: batch.count, by: max(1, itemsPerPass)) {
            let pass = batch[start..<min(start + max(1, itemsPerPass), batch.count)]
            if isCancelled() {
                for (i, _) in batch[start...] { results[i] = ItemResult(id: items[i].id, status: .timeout, score: 0, detail: "cancelled") }
                break
            }
            let before = prefixScorer.forwardTokens
            do {
                let scores = try score(sequences: pass.map(\.sequence))
                let detail = "\(prefixScorer.forwardTokens - before) tokens computed for \(pass.count) items"
                for ((i, _), steps) in zip(pass, scores) {
                    results[i] = ItemResult(id: items[i].id, status: .ok, score: steps.min()!, stepScores: steps, detail: detail)
                }
            } catch {
                // A pass that failed part-way may leave cache entries it never computed: drop them all.
                prefixScorer.reset()
                for (i, _) in pass { results[i] = ItemResult(id: items[i].id, status: .error, score: 0, detail: "\(error)") }
            }
        }
        return results
    }
}
