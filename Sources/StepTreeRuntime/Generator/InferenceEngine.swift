import StepTreeCore

/// Serves batches of `StepRequest`s on one model and one tree KV cache: resolves each prefix
/// against the cache, computes every missing token in one batched forward pass, then decodes
/// all samples of all requests together, one token per sample per forward pass.
///
/// Single owner: `EmbeddedGenerator` calls it from its one worker queue.
final class InferenceEngine {
    let model: LanguageModel
    let cache: TreeKVCache
    /// Most sequences in one decode forward pass.
    let maxBatch: Int
    /// Most tokens in one prefill forward pass (bounds the activation buffers).
    let prefillChunk: Int
    /// Tokens run through the model since creation.
    private(set) var forwardTokens = 0
    private(set) var generatedTokens = 0

    init(model: LanguageModel, maxBatch: Int, prefillChunk: Int, cacheBytes: Int) {
        self.model = model
        self.maxBatch = max(1, maxBatch)
        self.prefillChunk = max(1, prefillChunk)
        let c = model.config
        let store = KVStore(layers: c.layers, kvDim: c.kvDim, maxRows: max(c.context, cacheBytes / (c.layers * c.kvDim * 8)))
        cache = TreeKVCache(store: store)
    }

    /// One sample being decoded.
    private struct Decoding {
        var request: Int
        var node: TreeKVCache.Node
        var sampler: Sampler
        /// Incomplete UTF-8 bytes that ended the prefix; they start this step's text.
        var carry: [UInt8]
        var bytes: [UInt8] = []
        var tokens: [Int32] = []
        var logprobs: [Float] = []
        var entropies: [Float] = []
        var textEnd: Int?
        var finish: FinishReason?
    }

    /// Serves `requests`; results in request order. Failures are per request.
    func run(_ requests: [StepRequest]) -> [StepResult] {
        cache.beginBatch()
        var costs = [GenerationCost](repeating: .init(), count: requests.count)
        var failures = [String?](repeating: nil, count: requests.count)
        var ends = [TreeKVCache.Node?](repeating: nil, count: requests.count)

        // 1. Prefill: every token of every prefix that is not cached, in one forward pass.
        var items: [(node: TreeKVCache.Node, request: Int, item: ForwardItem)] = []
        for (r, request) in requests.enumerated() {
            do {
                ends[r] = try plan(request, index: r, into: &items)
            } catch {
                failures[r] = "\(error)"
            }
        }
        prefill(items, costs: &costs)
        // A node fully cached without its end logits (it was only ever an inner node): run its
        // last token again into a scratch row, the one place a cached token is recomputed.
        var refill: [(node: TreeKVCache.Node, request: Int, item: ForwardItem)] = []
        for r in requests.indices {
            guard let end = ends[r], end.endLogits == nil, !refill.contains(where: { $0.node === end }) else { continue }
            guard let scratch = cache.scratchRow() else { failures[r] = "KV cache cap too small"; ends[r] = nil; continue }
            let context = Array(cache.contextRows(through: end).dropLast())
            refill.append((end, r, ForwardItem(tokens: [end.tokens.last!], startPosition: end.end - 1, context: context, rows: [scratch])))
        }
        prefill(refill, costs: &costs)
        cache.store.free(refill.flatMap(\.item.rows))

        // 2. Decode all samples together.
        var active: [Decoding] = []
        for (r, request) in requests.enumerated() {
            guard let end = ends[r], let logits = end.endLogits else { continue }
            let carry = carryBytes(request)
            for s in 0..<max(0, request.samples) {
                var d = Decoding(request: r, node: cache.sampleChild(of: end),
                                 sampler: Sampler(parameters: request.sampling, rng: SeededGenerator(seed: request.seed, stream: UInt64(s))),
                                 carry: carry)
                accept(&d, logits.withUnsafeBufferPointer { d.sampler.sample($0) }, request: request)
                active.append(d)
            }
        }
        decode(&active, requests: requests, costs: &costs)

        return requests.enumerated().map { r, request in
            if let failure = failures[r] { return StepResult(id: request.id, samples: [], cost: costs[r], failure: failure) }
            let samples = active.filter { $0.request == r }.map(sample)
            costs[r].generatedTokens = samples.reduce(0) { $0 + ($1.tokens?.count ?? 0) }
            generatedTokens += costs[r].generatedTokens
            return StepResult(id: request.id, samples: samples, cost: costs[r])
        }
    }

    /// Resolves a request's prefix against the cache, scheduling each missing part as one item.
    private func plan(_ request: StepRequest, index: Int,
                      into items: inout [(node: TreeKVCache.Node, request: Int, item: ForwardItem)]) throws -> TreeKVCache.Node {
        guard let first = request.prefix.first else { throw RuntimeError(.request, "request \(request.id): empty prefix") }
        var parent = cache.root
        for (i, segment) in request.prefix.enumerated() {
            let tokens = i == 0 ? model.tokenizer.encode(first.text)
                : segment.tokens ?? model.tokenizer.encode(segment.text, addSpecial: false)
            // An empty step adds nothing to the model's context.
            if tokens.isEmpty && i > 0 { continue }
            guard !tokens.isEmpty else { throw RuntimeError(.request, "request \(request.id): the prompt has no tokens") }
            try model.validate(tokens, startPosition: parent.end)
            let (node, computed) = try cache.resolve(parent: parent, key: segment.key, tokens: tokens)
            cache.pin(node)
            if computed < tokens.count {
                let context = cache.contextRows(through: parent) + node.rows.prefix(computed)
                let pending = tokens[computed...]
                guard let rows = cache.extend(node, with: pending) else {
                    cache.remove(node)
                    throw RuntimeError(.request, "request \(request.id): the KV cache cap cannot hold its prefix")
                }
                items.append((node, index, ForwardItem(tokens: Array(pending), startPosition: node.start + computed,
                                                       context: context, rows: rows)))
            }
            parent = node
        }
        return parent
    }

    /// Runs the scheduled items, at most `prefillChunk` tokens per forward pass (a long item is
    /// split into consecutive pieces), and keeps each item's last logits on its node. An item may
    /// read rows another item writes in the same pass: every layer writes all K/V rows before
    /// any token attends.
    private func prefill(_ items: [(node: TreeKVCache.Node, request: Int, item: ForwardItem)], costs: inout [GenerationCost]) {
        let v = model.config.vocab
        var batch: [(owner: Int, item: ForwardItem)] = []
        var batchTokens = 0
        func flush() {
            guard !batch.isEmpty else { return }
            let logits = model.transformer.forward(batch.map(\.item), cache: cache.store)
            for (k, piece) in batch.enumerated() {
                let entry = items[piece.owner]
                // The piece that ends its item carries the item's next-token logits.
                if piece.item.rows.last == entry.item.rows.last { entry.node.endLogits = Array(logits[k * v..<(k + 1) * v]) }
                costs[entry.request].forwardTokens += piece.item.tokens.count
                forwardTokens += piece.item.tokens.count
            }
            batch = []
            batchTokens = 0
        }
        for (owner, entry) in items.enumerated() {
            var done = 0
            let item = entry.item
            while done < item.tokens.count {
                let take = min(item.tokens.count - done, prefillChunk - batchTokens)
                batch.append((owner, ForwardItem(tokens: Array(item.tokens[done..<(done + take)]), startPosition: item.startPosition + done,
                                                 context: item.context + item.rows[..<done], rows: Array(item.rows[done..<(done + take)]))))
                done += take
                batchTokens += take
                if batchTokens >= prefillChunk { flush() }
            }
        }
        flush()
    }

    /// Feeds each unfinished sample's last token, `maxBatch` sequences per forward pass, and
    /// samples the next, until every sample has finished.
    private func decode(_ active: inout [Decoding], requests: [StepRequest], costs: inout [GenerationCost]) {
        let v = model.config.vocab
        while true {
            let running = active.indices.filter { active[$0].finish == nil }
            if running.isEmpty { break }
            for chunkStart in stride(from: 0, to: running.count, by: maxBatch) {
                let chunk = Array(running[chunkStart..<min(running.count, chunkStart + maxBatch)])
                var fed: [Int] = []
                var items: [ForwardItem] = []
                for i in chunk {
                    let node = active[i].node
                    let token = active[i].tokens.last!
                    let context = cache.contextRows(through: node)
                    guard let rows = cache.extend(node, with: [token]) else { active[i].finish = .length; continue }
                    items.append(ForwardItem(tokens: [token], startPosition: node.end - 1, context: context, rows: rows))
                    fed.append(i)
                }
                guard !items.isEmpty else { continue }
                let logits = model.transformer.forward(items, cache: cache.store)
                forwardTokens += items.count
                for (k, i) in fed.enumerated() {
                    costs[active[i].request].forwardTokens += 1
                    let choice = logits.withUnsafeBufferPointer { all in
                        active[i].sampler.sample(UnsafeBufferPointer(rebasing: all[k * v..<(k + 1) * v]))
                    }
                    accept(&active[i], choice, request: requests[active[i].request])
                }
            }
        }
    }

    /// Records a sampled token and decides whether the sample has finished.
    private func accept(_ d: inout Decoding, _ choice: SampledToken, request: StepRequest) {
        d.tokens.append(choice.token)
        d.logprobs.append(choice.logprob)
        d.entropies.append(choice.entropy)
        if model.tokenizer.isEndOfSequence(choice.token) {
            d.finish = .endOfSequence
            cache.remove(d.node)
            return
        }
        let before = d.bytes.count
        d.bytes += model.tokenizer.bytes(of: choice.token)
        let stop = Array(request.stop.utf8)
        if !stop.isEmpty, d.bytes.count >= stop.count {
            var i = max(0, before - stop.count + 1)
            while i + stop.count <= d.bytes.count {
                if d.bytes[i..<(i + stop.count)].elementsEqual(stop) {
                    d.textEnd = i + stop.count
                    d.finish = .stop
                    return
                }
                i += 1
            }
        }
        if d.tokens.count >= request.maxTokens || d.node.end >= model.config.context { d.finish = .length }
    }

    private func sample(_ d: Decoding) -> StepSample {
        var text = d.carry + d.bytes.prefix(d.textEnd ?? d.bytes.count)
        if d.finish != .endOfSequence { text.removeLast(UTF8Boundary.incompleteSuffix(text)) }
        return StepSample(text: String(decoding: text, as: UTF8.self), tokens: d.tokens, logprobs: d.logprobs,
                          entropies: d.entropies, finish: d.finish ?? .length)
    }

    /// The incomplete UTF-8 character the prefix's last step ended with, if any.
    private func carryBytes(_ request: StepRequest) -> [UInt8] {
        guard request.prefix.count > 1, let tokens = request.prefix.last?.tokens else { return [] }
        let bytes = tokens.flatMap { model.tokenizer.bytes(of: $0) }
        return Array(bytes.suffix(UTF8Boundary.incompleteSuffix(bytes)))
    }
}
