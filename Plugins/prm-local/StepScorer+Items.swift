import StepTreePluginKit

extension StepScorer {
    /// The results for all items of one `verify` request, in item order. Every item that can be
    /// scored goes into one batched forward pass (so the prompt and steps the items share are
    /// computed once even when none of them was cached); an item without steps is `unparseable`,
    /// one longer than the cache is `error`, and all are `timeout` when the request was cancelled
    /// before the pass began (a pass itself is not interrupted). `detail` says how many tokens
    /// the pass computed for how many items.
    func results(for items: [VerifyItem], isCancelled: () -> Bool) -> [ItemResult] {
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
        guard !batch.isEmpty else { return results }
        if isCancelled() {
            for (i, _) in batch { results[i] = ItemResult(id: items[i].id, status: .timeout, score: 0, detail: "cancelled") }
            return results
        }
        let before = prefixScorer.forwardTokens
        do {
            let scores = try score(sequences: batch.map(\.sequence))
            let detail = "\(prefixScorer.forwardTokens - before) tokens computed for \(batch.count) items"
            for ((i, _), steps) in zip(batch, scores) {
                results[i] = ItemResult(id: items[i].id, status: .ok, score: steps.min()!, stepScores: steps, detail: detail)
            }
        } catch {
            // A pass that failed part-way may leave cache entries it never computed: drop them all.
            prefixScorer.reset()
            for (i, _) in batch { results[i] = ItemResult(id: items[i].id, status: .error, score: 0, detail: "\(error)") }
        }
        return results
    }
}
