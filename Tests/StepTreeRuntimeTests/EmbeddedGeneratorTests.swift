import Foundation
import StepTreeCore
import Testing
@testable import StepTreeRuntime

struct EmbeddedGeneratorTests {
    static let path = try! TinyModel.write()
    static let prompt = "hello world"
    static let root = SegmentKey(problem: 0, node: 0)

    func request(_ id: RequestID, _ prefix: [PrefixSegment], samples: Int = 1, temperature: Double = 1,
                 stop: String = "\u{0}", maxTokens: Int = 12, seed: UInt64 = 3) -> StepRequest {
        StepRequest(id: id, prefix: prefix, samples: samples, sampling: .init(temperature: temperature),
                    stop: stop, maxTokens: maxTokens, seed: seed)
    }

    var promptSegment: PrefixSegment { PrefixSegment(text: Self.prompt, key: Self.root) }

    @Test func greedyMatchesFullRecomputation() async throws {
        let generator = try EmbeddedGenerator(modelPath: Self.path)
        let result = try await generator.generate([request(1, [promptSegment], temperature: 0, maxTokens: 15)])[0]
        let sample = try #require(result.samples.first)
        // Oracle: recompute every position from scratch, no cache.
        let model = generator.model
        var tokens = model.tokenizer.encode(Self.prompt)
        var expected: [Int32] = []
        while expected.count < 15 {
            let last = try model.logits(tokens).last!
            let next = Int32(last.indices.max { last[$0] < last[$1] }!)
            expected.append(next)
            if model.tokenizer.isEndOfSequence(next) { break }
            tokens.append(next)
        }
        #expect(sample.tokens == expected)
        #expect(sample.logprobs?.count == expected.count && sample.entropies?.count == expected.count)
        #expect(sample.logprobs!.allSatisfy { $0 <= 0 })
    }

    @Test func expandingAStepComputesOnlyItsLastToken() async throws {
        let generator = try EmbeddedGenerator(modelPath: Self.path)
        let first = try await generator.generate([request(1, [promptSegment], samples: 4)])[0]
        let promptTokens = generator.model.tokenizer.encode(Self.prompt).count
        let fed = { (r: StepResult) in r.samples.reduce(0) { $0 + $1.tokens!.count - 1 } }
        #expect(first.samples.count == 4)
        #expect(first.cost.forwardTokens == promptTokens + fed(first))
        #expect(first.cost.generatedTokens == first.samples.reduce(0) { $0 + $1.tokens!.count })

        let step = first.samples[2]
        let child = PrefixSegment(text: step.text, tokens: step.tokens, key: SegmentKey(problem: 0, node: 3))
        let second = try await generator.generate([request(2, [promptSegment, child], samples: 2, seed: 9)])[0]
        #expect(second.cost.forwardTokens == 1 + fed(second))

        // The same request on a fresh generator (nothing cached) gives the same samples.
        let fresh = try EmbeddedGenerator(modelPath: Self.path)
        let again = try await fresh.generate([request(2, [promptSegment, child], samples: 2, seed: 9)])[0]
        #expect(again.samples == second.samples)
        #expect(again.cost.forwardTokens == promptTokens + step.tokens!.count + fed(again))
        let stats = generator.statistics
        #expect(stats.forwardTokens == first.cost.forwardTokens + second.cost.forwardTokens)
    }

    @Test func concurrentCallsBatchWithoutChangingResults() async throws {
        let requests = (0..<4).map { i in
            request(RequestID(i), [PrefixSegment(text: "\(Self.prompt) \(i)", key: SegmentKey(problem: UInt32(i), node: 0))],
                    samples: 3, seed: UInt64(i))
        }
        let batched = try EmbeddedGenerator(modelPath: Self.path, options: .init(maxBatch: 5))
        let together = try await withThrowingTaskGroup(of: (Int, StepResult).self) { group in
            for (i, r) in requests.enumerated() { group.addTask { (i, try await batched.generate([r])[0]) } }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        let single = try EmbeddedGenerator(modelPath: Self.path)
        for (i, r) in requests.enumerated() {
            let alone = try await single.generate([r])[0]
            let batchedSamples = try #require(together[i]?.samples)
            // Tokens and text are identical; logprobs agree up to BLAS rounding, which depends on
            // the batch size.
            #expect(alone.samples.map(\.tokens) == batchedSamples.map(\.tokens))
            #expect(alone.samples.map(\.text) == batchedSamples.map(\.text))
            for (a, b) in zip(alone.samples, batchedSamples) {
                #expect(zip(a.logprobs!, b.logprobs!).allSatisfy { abs($0 - $1) < 1e-4 })
            }
            #expect(alone.id == RequestID(i))
        }
    }

    @Test func releaseFreesSubtreesAndEvictionKeepsResultsExact() async throws {
        let generator = try EmbeddedGenerator(modelPath: Self.path)
        _ = try await generator.generate([request(1, [promptSegment], samples: 3)])
        #expect(generator.statistics.cachedRows > 0)
        await generator.release([Self.root])
        #expect(generator.statistics.cachedRows == 0)
        #expect(generator.statistics.cachedNodes == 0)

        // A cap of one context (128 rows) with ten prompts of ~70 tokens each forces evictions.
        let c = generator.model.config
        let capped = try EmbeddedGenerator(modelPath: Self.path, options: .init(cacheBytes: c.context * c.layers * c.kvDim * 8))
        let roomy = try EmbeddedGenerator(modelPath: Self.path)
        for i in 0..<10 {
            let text = String(repeating: "hello world ", count: 6) + "\(i)"
            let r = request(RequestID(i), [PrefixSegment(text: text, key: SegmentKey(problem: UInt32(i), node: 0))], samples: 2)
            let a = try await capped.generate([r])[0], b = try await roomy.generate([r])[0]
            #expect(a.failure == nil)
            #expect(a.samples == b.samples)
        }
        #expect(capped.statistics.evictedRows > 0)
        #expect(capped.statistics.cachedRows <= c.context)
    }

    @Test func stopStringEndingInsideATokenTruncatesTextButKeepsTheToken() async throws {
        let generator = try EmbeddedGenerator(modelPath: Self.path)
        let t = generator.model.tokenizer
        let long = try await generator.generate([request(1, [promptSegment], samples: 8, maxTokens: 40)])[0].samples
        // A sample with a token spelled in several bytes whose first byte does not occur before it.
        var found: (sample: Int, index: Int, before: [UInt8], stopByte: UInt8)?
        for (s, sample) in long.enumerated() where found == nil {
            for (k, token) in sample.tokens!.enumerated() where t.bytes(of: token).count > 1 {
                let before = sample.tokens![..<k].flatMap { t.bytes(of: $0) }
                let b = t.bytes(of: token)[0]
                if b < 0x80 && b != 0 && !before.contains(b) { found = (s, k, before, b); break }
            }
        }
        let (s, index, before, stopByte) = try #require(found, "the tiny model samples a merged token in 8 × 40 tokens")
        let stop = String(decoding: [stopByte], as: UTF8.self)
        let cut = try await generator.generate([request(2, [promptSegment], samples: 8, stop: stop, maxTokens: 40)])[0].samples[s]
        #expect(cut.finish == .stop)
        #expect(cut.tokens! == Array(long[s].tokens![...index]))
        #expect(cut.text == String(decoding: before + [stopByte], as: UTF8.self))
    }

    @Test func stepTextsConcatenateToTheDecodedTokens() async throws {
        // Random tokens often end a step inside a multi-byte character.
        let generator = try EmbeddedGenerator(modelPath: Self.path)
        var prefix = [promptSegment]
        var allBytes: [UInt8] = []
        var texts = ""
        for depth in 1...12 {
            let r = try await generator.generate([request(RequestID(depth), prefix, maxTokens: 3, seed: UInt64(depth))])[0]
            let s = r.samples[0]
            guard s.finish != .endOfSequence else { break }
            texts += s.text
            allBytes += s.tokens!.flatMap { generator.model.tokenizer.bytes(of: $0) }
            prefix.append(PrefixSegment(text: s.text, tokens: s.tokens, key: SegmentKey(problem: 0, node: UInt32(depth))))
        }
        let complete = allBytes.dropLast(UTF8Boundary.incompleteSuffix(allBytes))
        #expect(texts == String(decoding: complete, as: UTF8.self))
        #expect(allBytes.contains { $0 >= 0x80 })
    }

    @Test func prefillInPiecesGivesTheSameResults() async throws {
        let prompts = ["hello world, hello world", "or", "wide world of hellos"]
        let requests = prompts.enumerated().map { i, text in
            request(RequestID(i), [PrefixSegment(text: text, key: SegmentKey(problem: UInt32(i), node: 0))], samples: 2, temperature: 0)
        }
        let whole = try await EmbeddedGenerator(modelPath: Self.path).generate(requests)
        let pieces = try await EmbeddedGenerator(modelPath: Self.path, options: .init(prefillChunk: 4)).generate(requests)
        #expect(whole.map { $0.samples.map(\.tokens) } == pieces.map { $0.samples.map(\.tokens) })
        #expect(whole.map(\.cost) == pieces.map(\.cost))
    }

    @Test func badRequestsFailAlone() async throws {
        let generator = try EmbeddedGenerator(modelPath: Self.path)
        let tooLong = PrefixSegment(text: String(repeating: "x ", count: 200), key: SegmentKey(problem: 1, node: 0))
        let results = try await generator.generate([request(1, [tooLong]), request(2, [promptSegment])])
        #expect(results[0].failure?.contains("context length") == true)
        #expect(results[1].failure == nil && results[1].samples.count == 1)
    }
}
