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
            Matmul.blas(x, matrix, &fast, n: n)
            Matmul.naive(x, matrix, &slow, n: n)
        }
        let worst = zip(fast, slow).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-4)
        // One entry by hand, so both paths are checked against the definition.
        let expected = (0..<inDim).reduce(Float(0)) { $0 + x[$1] * w[(outDim - 1) * inDim + $1] }
        #expect(abs(slow[outDim - 1] - expected) < 1e-4)
    }

    /// Packed weights: the C kernels (small n) and tile dequantization + sgemm (large n, several
    /// tiles) against the naive loop over Swift-dequantized rows.
    @Test(arguments: [TensorType.f16, .q8_0], [1, 3, 20])
    func packedMatmulMatchesNaive(type: TensorType, n: Int) {
        let (inDim, outDim) = (96, 300)
        var rng = SeededGenerator(seed: UInt64(n))
        let x = (0..<(n * inDim)).map { _ in Float(rng.unit() - 0.5) }
        let bytes = TestGGUFWriter.encode((0..<(outDim * inDim)).map { _ in Float(rng.unit() - 0.5) }, as: type)
        var fast = [Float](repeating: .nan, count: n * outDim)
        var slow = fast
        bytes.withUnsafeBytes { raw in
            let matrix = WeightMatrix(storage: .packed(type, raw.baseAddress!), rows: outDim, cols: inDim)
            Matmul.blas(x, matrix, &fast, n: n, threads: 2)
            Matmul.naive(x, matrix, &slow, n: n)
        }
        let worst = zip(fast, slow).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-4, "\(type.name) n=\(n): max error \(worst)")
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
