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
        Matmul.blas(x, w, &fast, n: n, inDim: inDim, outDim: outDim)
        Matmul.naive(x, w, &slow, n: n, inDim: inDim, outDim: outDim)
        let worst = zip(fast, slow).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-4)
        // One entry by hand, so both paths are checked against the definition.
        let expected = (0..<inDim).reduce(Float(0)) { $0 + x[$1] * w[(outDim - 1) * inDim + $1] }
        #expect(abs(slow[outDim - 1] - expected) < 1e-4)
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
