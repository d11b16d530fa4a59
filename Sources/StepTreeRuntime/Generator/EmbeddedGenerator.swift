import Dispatch
import Foundation
import StepTreeCore

/// The in-process `StepGenerator`: a GGUF model on the CPU with a tree-shaped KV cache.
///
/// Concurrent `generate` calls are queued and flushed together as one batch on a single worker
/// queue (calls arriving while a batch runs form the next one), so sibling and cousin
/// expansions become one matrix product per weight. `release` frees the cached rows of pruned
/// or finished subtrees.
public final class EmbeddedGenerator: StepGenerator, @unchecked Sendable {
    /// Runtime settings.
    public struct Options: Sendable {
        /// Threads for OpenBLAS and attention. Default: the active processor count.
        public var threads: Int
        /// Most sequences in one decode forward pass. Default 64.
        public var maxBatch: Int
        /// Most tokens in one prefill forward pass; longer prompts are computed in pieces.
        /// Bounds the activation buffers. Default 512.
        public var prefillChunk: Int
        /// Memory cap of the KV cache in bytes; least recently used leaves are evicted beyond it.
        /// Default 512 MiB. At least one full context is always allowed.
        public var cacheBytes: Int
        /// The matrix-product path (the naive one is the test oracle).
        public var matmul: Matmul

        /// Settings with the documented defaults.
        public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount, maxBatch: Int = 64, prefillChunk: Int = 512,
                    cacheBytes: Int = 512 << 20, matmul: Matmul = .blas) {
            self.threads = threads
            self.maxBatch = maxBatch
            self.prefillChunk = prefillChunk
            self.cacheBytes = cacheBytes
            self.matmul = matmul
        }
    }

    /// Counters of the cache and the forward pass.
    public struct Statistics: Sendable, Equatable {
        /// Tokens run through the model since creation (prefill and decode).
        public var forwardTokens: Int
        /// Tokens sampled since creation.
        public var generatedTokens: Int
        /// Tree nodes (prompts, steps, pending samples) holding rows now.
        public var cachedNodes: Int
        /// K/V rows (one per cached token) held now.
        public var cachedRows: Int
        /// Bytes of K/V rows and kept logits held now.
        public var cacheBytes: Int
        /// Rows freed by the LRU policy since creation.
        public var evictedRows: Int
    }

    public let capabilities: GeneratorCapabilities
    /// The loaded model (config, tokenizer).
    public let model: LanguageModel
    private let engine: InferenceEngine
    private let worker = DispatchQueue(label: "steptree.embedded-generator")
    private let lock = NSLock()
    private var pending: [(requests: [StepRequest], done: CheckedContinuation<[StepResult], Never>)] = []
    private var draining = false

    /// Loads the model at `modelPath` (GGUF).
    public init(modelPath: String, options: Options = .init()) throws {
        model = try LanguageModel(path: modelPath, matmul: options.matmul, threads: options.threads)
        engine = InferenceEngine(model: model, maxBatch: options.maxBatch, prefillChunk: options.prefillChunk,
                                 cacheBytes: options.cacheBytes)
        capabilities = GeneratorCapabilities(
            backend: "embedded", model: URL(fileURLWithPath: modelPath).lastPathComponent, returnsTokens: true,
            returnsLogprobs: true, nativeMultipleSamples: true, recommendedInFlight: max(1, options.maxBatch / 4))
    }

    public func generate(_ requests: [StepRequest]) async throws -> [StepResult] {
        await withCheckedContinuation { done in
            lock.lock()
            pending.append((requests, done))
            let start = !draining
            draining = true
            lock.unlock()
            if start { worker.async { self.drain() } }
        }
    }

    public func release(_ keys: [SegmentKey]) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            worker.async {
                self.engine.cache.release(keys)
                done.resume()
            }
        }
    }

    /// Current counters (waits for the batch in progress).
    public var statistics: Statistics {
        worker.sync {
            let s = engine.cache.statistics
            return Statistics(forwardTokens: engine.forwardTokens, generatedTokens: engine.generatedTokens, cachedNodes: s.nodes,
                              cachedRows: s.rows, cacheBytes: s.bytes, evictedRows: engine.cache.evictedRows)
        }
    }

    /// Serves everything queued, as one batch per round, until the queue is empty.
    private func drain() {
        while true {
            lock.lock()
            let batch = pending
            pending = []
            if batch.isEmpty { draining = false }
            lock.unlock()
            if batch.isEmpty { return }
            let results = engine.run(batch.flatMap(\.requests))
            var offset = 0
            for entry in batch {
                entry.done.resume(returning: Array(results[offset..<(offset + entry.requests.count)]))
                offset += entry.requests.count
            }
        }
    }
}
