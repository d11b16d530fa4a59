import CStepTreeKernels
import Foundation
import Testing
@testable import StepTreeRuntime

struct KernelTests {
    @Test(arguments: [(1, 7, 5), (9, 33, 17), (64, 128, 96)])
    func blasMatmulMatchesNaive(n: Int, inDim: Int, outDim: Int) {
        var rng = SeededGenerator(seed: UInt64(n * 1000 + inDim))
        let x = (0..<(n * inDim)).map { _ in Float(rng.unit() - 0.5) }
        let w = (0..<(outDim * inDim)).map { _ in Float(rng.unit() - 0.5) }
        var fast = [Float](repeating: 0, count: n * outDim)
        var slow = fast
        w.withUnsafeBufferPointer { wp in
            let matrix = WeightMatrix(storage: .f32(wp.baseAddress!), rows: outDim, cols: inDim)
            Matmul.blas(x, matrix, &fast, n: n, pool: ThreadPool(threads: 2))
            Matmul.naive(x, matrix, &slow, n: n)
        }
        let worst = zip(fast, slow).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-4)
        // One entry by hand, so both paths are checked against the definition.
        let expected = (0..<inDim).reduce(Float(0)) { $0 + x[$1] * w[(outDim - 1) * inDim + $1] }
        #expect(abs(slow[outDim - 1] - expected) < 1e-4)
    }

    /// Packed weights: the C kernels (n ≤ 16: one row of x at a time and four at a time, with an
    /// odd block count for the two-block unrolling) and tile dequantization + sgemm (n > 16,
    /// several tiles over two threads) against the naive loop over Swift-dequantized rows. Q8_0
    /// kernels quantize x, so they are held to the error bound that allows:
    /// |Σ w·(x − x̂)| ≤ Σ |w| · scale(x's block) / 2, plus rounding.
    @Test(arguments: [TensorType.f16, .q8_0], [1, 7, 20])
    func packedMatmulMatchesNaive(type: TensorType, n: Int) {
        let (inDim, outDim) = (96, 301)  // odd: the F16 kernels pair rows, and one is left over
        var rng = SeededGenerator(seed: UInt64(n))
        let x = (0..<(n * inDim)).map { _ in Float(rng.unit() - 0.5) }
        let bytes = TestGGUFWriter.encode((0..<(outDim * inDim)).map { _ in Float(rng.unit() - 0.5) }, as: type)
        var fast = [Float](repeating: .nan, count: n * outDim)
        var slow = fast
        var dequantized = [Float](repeating: 0, count: outDim * inDim)
        bytes.withUnsafeBytes { raw in
            let matrix = WeightMatrix(storage: .packed(type, raw.baseAddress!), rows: outDim, cols: inDim)
            Matmul.blas(x, matrix, &fast, n: n, pool: ThreadPool(threads: 2))
            Matmul.naive(x, matrix, &slow, n: n)
            type.dequantize(raw.baseAddress!, count: outDim * inDim, into: &dequantized)
        }
        for r in 0..<n {
            for o in 0..<outDim {
                var bound: Float = 1e-4
                if type == .q8_0 && n <= Matmul.smallBatch {
                    for b in 0..<(inDim / 32) {
                        let block = x[(r * inDim + b * 32)..<(r * inDim + b * 32 + 32)]
                        let scale = block.map(abs).max()! / 127
                        bound += (0..<32).reduce(Float(0)) { $0 + abs(dequantized[o * inDim + b * 32 + $1]) } * scale / 2
                    }
                }
                let error = abs(fast[r * outDim + o] - slow[r * outDim + o])
                guard error <= bound else {
                    Issue.record("\(type.name) n=\(n) row \(r) output \(o): error \(error) > bound \(bound)")
                    return
                }
            }
        }
    }

    /// The Q8_0 kernels against their definition computed here: each 32-value block of x quantized
    /// (scale max|x| / 127, values rounded to nearest, ties to even), an integer dot product with
    /// the weight block, times both scales. Only float summation order may differ.
    @Test(arguments: [1, 4, 6, 16])
    func q8KernelMatchesItsDefinition(n: Int) {
        let (inDim, outDim) = (160, 70)
        var rng = SeededGenerator(seed: UInt64(100 + n))
        var x = (0..<(n * inDim)).map { _ in Float(rng.unit() * 3.8 - 1.9) }
        x.replaceSubrange(0..<32, with: repeatElement(0, count: 32))  // an all-zero block (scale 0)
        // Block 1 gets scale 1/64 exactly, and values 1.5, 2.5 and -2.5 steps: ties (to 2, 2, -2).
        (x[32], x[40], x[41], x[42]) = (127 / 64, 1.5 / 64, 2.5 / 64, -2.5 / 64)
        let bytes = TestGGUFWriter.encode((0..<(outDim * inDim)).map { _ in Float(rng.unit() * 2 - 1) }, as: .q8_0)
        var fast = [Float](repeating: .nan, count: n * outDim)
        bytes.withUnsafeBytes { raw in
            let matrix = WeightMatrix(storage: .packed(.q8_0, raw.baseAddress!), rows: outDim, cols: inDim)
            Matmul.blas(x, matrix, &fast, n: n, pool: ThreadPool(threads: 2))
        }
        let blocks = inDim / 32, blockBytes = TensorType.q8_0.blockBytes
        for r in 0..<n {
            for o in 0..<outDim {
                var expected: Float = 0
                for b in 0..<blocks {
                    let xs = x[(r * inDim + b * 32)..<(r * inDim + b * 32 + 32)]
                    let scale = xs.map(abs).max()! / 127, inverse = scale != 0 ? 1 / scale : 0
                    let base = (o * blocks + b) * blockBytes
                    let weightScale = halfToFloat(UInt16(bytes[base]) | UInt16(bytes[base + 1]) << 8)
                    var dot = 0
                    for (i, v) in xs.enumerated() {
                        dot += Int(Int8(bitPattern: bytes[base + 2 + i])) * Int((v * inverse).rounded(.toNearestOrEven))
                    }
                    expected += Float(dot) * (weightScale * scale)
                }
                let got = fast[r * outDim + o]
                guard abs(got - expected) <= 1e-4 * max(1, abs(expected)) else {
                    Issue.record("n=\(n) row \(r) output \(o): \(got), by definition \(expected)")
                    return
                }
            }
        }
    }

    /// Q8_0 regrouped by eights (the AVX-512 VNNI kernels' layout) holds the same rows, and
    /// where the CPU has those kernels, their products equal the row-layout kernels' (same
    /// quantized definition; only float summation order differs), for n = 1, four at a time plus
    /// tails, and beyond `smallBatch`.
    @Test func regroupedQ8_0MatchesTheRowLayout() {
        let (inDim, outDim) = (96, 48)
        var rng = SeededGenerator(seed: 5)
        let bytes = TestGGUFWriter.encode((0..<(outDim * inDim)).map { _ in Float(rng.unit() * 2 - 1) }, as: .q8_0)
        var regrouped = [UInt8](repeating: 0, count: bytes.count)
        bytes.withUnsafeBytes { src in
            regrouped.withUnsafeMutableBytes { stk_q8_0_regroup(src.baseAddress!, $0.baseAddress!, Int32(outDim), Int32(inDim)) }
        }
        bytes.withUnsafeBytes { raw in
            regrouped.withUnsafeBytes { grouped in
                let rows = WeightMatrix(storage: .packed(.q8_0, raw.baseAddress!), rows: outDim, cols: inDim)
                let groups = WeightMatrix(storage: .regroupedQ8_0(grouped.baseAddress!), rows: outDim, cols: inDim)
                var a = [Float](repeating: 0, count: inDim), b = a
                for r in 0..<outDim {
                    rows.row(r, into: &a)
                    groups.row(r, into: &b)
                    #expect(a == b, "row \(r)")
                }
                guard stk_q8_0_regroup_supported() != 0 else { return }  // no VNNI: the layout is never used
                let pool = ThreadPool(threads: 2)
                for n in [1, 6, 21] {
                    let x = (0..<(n * inDim)).map { _ in Float(rng.unit() * 2 - 1) }
                    var expected = [Float](repeating: .nan, count: n * outDim), got = expected
                    // The row layout takes sgemm beyond `smallBatch` rows of x, so it runs in slices.
                    for start in stride(from: 0, to: n, by: Matmul.smallBatch) {
                        let m = min(Matmul.smallBatch, n - start)
                        x.withUnsafeBufferPointer { xp in
                            expected.withUnsafeMutableBufferPointer { e in
                                Matmul.blas(xp.baseAddress! + start * inDim, rows, e.baseAddress! + start * outDim, n: m, pool: pool)
                            }
                        }
                    }
                    Matmul.blas(x, groups, &got, n: n, pool: pool)
                    let worst = zip(expected, got).map { abs($0 - $1) / max(1, abs($0)) }.max()!
                    #expect(worst < 1e-5, "n=\(n): relative error \(worst)")
                }
            }
        }
    }

    /// Every instruction-set level this CPU has (portable C, AVX2, AVX-512 VNNI) passes the
    /// kernel checks above, and attention over scattered rows matches its definition. The limit
    /// holds for this test's thread only (tests running beside it keep the best level).
    @Test func everyKernelLevelComputesTheSameProducts() {
        let best = Int(stk_kernel_level())
        defer { stk_limit_kernel_level(2) }
        for level in 0...best {
            #expect(Int(stk_limit_kernel_level(Int32(level))) == level)
            for type in [TensorType.f16, .q8_0] {
                for n in [1, 7, 20] { packedMatmulMatchesNaive(type: type, n: n) }
            }
            for n in [1, 4, 6] { q8KernelMatchesItsDefinition(n: n) }
            attentionMatchesItsDefinition(level: level)
        }
    }

    private func attentionMatchesItsDefinition(level: Int) {
        let (headDim, kvDim, offset, rows): (Int, Int, Int, [Int32]) = (16, 48, 16, [4, 0, 2, 7, 2])
        var rng = SeededGenerator(seed: UInt64(level + 1))
        let q = (0..<headDim).map { _ in Float(rng.unit() * 2 - 1) }
        let keys = (0..<(8 * kvDim)).map { _ in Float(rng.unit() * 2 - 1) }
        let values = (0..<(8 * kvDim)).map { _ in Float(rng.unit() * 2 - 1) }
        let scale = 1 / Float(headDim).squareRoot()
        var scores = [Float](repeating: 0, count: rows.count), out = [Float](repeating: .nan, count: headDim)
        stk_attend(q, keys, values, rows, Int32(rows.count), Int32(kvDim), Int32(offset), Int32(headDim), scale, &scores, &out)
        var logits: [Float] = []
        for r in rows.map(Int.init) {
            var dot: Float = 0
            for d in 0..<headDim { dot += q[d] * keys[r * kvDim + offset + d] }
            logits.append(dot * scale)
        }
        let weights = logits.map { Float(Foundation.exp(Double($0 - logits.max()!))) }
        let total = weights.reduce(0, +)
        for d in 0..<headDim {
            var expected: Float = 0
            for (r, weight) in zip(rows.map(Int.init), weights) { expected += weight * values[r * kvDim + offset + d] }
            expected /= total
            #expect(abs(out[d] - expected) < 1e-5, "level \(level), dimension \(d)")
        }
    }

    /// The pool runs every task exactly once, on a thread index in range, job after job.
    @Test func threadPoolRunsEachTaskOnce() {
        let pool = ThreadPool(threads: 3)
        for tasks in [0, 1, 2, 7, 100] {
            let counts = UnsafeMutablePointer<Int>.allocate(capacity: max(1, tasks))
            counts.initialize(repeating: 0, count: max(1, tasks))
            defer { counts.deallocate() }
            var badThread = false
            pool.run(tasks: tasks) { task, thread in
                counts[task] += 1  // each task index is handed out once, so no two threads share a slot
                if thread < 0 || thread >= pool.threads { badThread = true }
            }
            #expect((0..<tasks).allSatisfy { counts[$0] == 1 }, "tasks \(tasks)")
            #expect(!badThread)
        }
    }

    @Test func halfToFloatCoversSpecialValues() {
        #expect(halfToFloat(0x3C00) == 1)
        #expect(halfToFloat(0xC000) == -2)
        #expect(halfToFloat(0x0001) == 0x1p-24)
        #expect(halfToFloat(0x7C00) == .infinity)
        #expect(halfToFloat(0x7BFF) == 65504)
        #expect(halfToFloat(0x8000).sign == .minus)
    }

    @Test(arguments: [(TensorType.f16, Float(1e-3)), (.bf16, 1e-2), (.q8_0, 1e-2), (.q4_0, 0.1)])
    func dequantizeInvertsTheEncoder(type: TensorType, tolerance: Float) {
        var rng = SeededGenerator(seed: 7)
        let values = (0..<128).map { _ in Float(rng.unit() * 2 - 1) }
        let bytes = TestGGUFWriter.encode(values, as: type)
        #expect(bytes.count == type.byteCount(elements: values.count))
        var out = [Float](repeating: .nan, count: values.count)
        bytes.withUnsafeBytes { type.dequantize($0.baseAddress!, count: values.count, into: &out) }
        let worst = zip(values, out).map { abs($0 - $1) }.max()!
        #expect(worst <= tolerance, "\(type.name): max error \(worst)")
    }

    @Test func utf8IncompleteSuffix() {
        let euro = Array("€".utf8)  // 3 bytes
        #expect(UTF8Boundary.incompleteSuffix(Array("ab".utf8)) == 0)
        #expect(UTF8Boundary.incompleteSuffix(Array("a".utf8) + euro.prefix(1)) == 1)
        #expect(UTF8Boundary.incompleteSuffix(Array("a".utf8) + euro.prefix(2)) == 2)
        #expect(UTF8Boundary.incompleteSuffix(Array("a".utf8) + euro) == 0)
    }
}
