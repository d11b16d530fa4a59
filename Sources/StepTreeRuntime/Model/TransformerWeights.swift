import CStepTreeKernels
/// One decoder block's weights. Shapes: `wq` `qDim × dim`, `wk`/`wv` `kvDim × dim`,
/// `wo` `dim × qDim`, `gate`/`up` `ffn × dim`, `down` `dim × ffn`; norms and biases are vectors.
struct LayerWeights {
    let attnNorm: UnsafePointer<Float>
    let wq: WeightMatrix, wk: WeightMatrix, wv: WeightMatrix, wo: WeightMatrix
    let bq: UnsafePointer<Float>?, bk: UnsafePointer<Float>?, bv: UnsafePointer<Float>?
    let ffnNorm: UnsafePointer<Float>
    let gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix
}

/// All weights of a model (llama2.c's `TransformerWeights`): F32 tensors are read-only views of
/// the mapped file; F16 and Q8_0 are read in place or regrouped (Q8_0, for the VNNI kernels);
/// other types are dequantized once at load into buffers owned here.
final class TransformerWeights {
    let file: GGUFFile
    let embedding: WeightMatrix
    let layers: [LayerWeights]
    let outputNorm: UnsafePointer<Float>
    /// `vocab × dim`: `output.weight`, or the token embedding when the file ties them.
    let output: WeightMatrix
    let tiedOutput: Bool
    /// Per-pair RoPE frequency divisors (`rope_freqs.weight`, Llama 3.1), when present.
    let ropeFreqFactors: UnsafePointer<Float>?
    /// Dequantized copies of BF16/Q4_0 tensors and regrouped Q8_0 copies.
    private let buffers: OwnedBuffers

    /// `regroupQ8_0`: copy Q8_0 matrices into the layout of the AVX-512 VNNI kernels when the CPU
    /// has them (`stk_q8_0_regroup`); the mapped pages are released after each copy.
    init(file: GGUFFile, config c: TransformerConfig, regroupQ8_0: Bool = false) throws {
        self.file = file
        let regroupQ8_0 = regroupQ8_0 && stk_q8_0_regroup_supported() != 0
        let buffers = OwnedBuffers()
        self.buffers = buffers
        func info(_ name: String, _ dims: [Int]) throws -> GGUFTensorInfo {
            guard let info = file.tensor(name) else { throw RuntimeError(.missing, "\(file.path): tensor '\(name)' is missing") }
            guard info.dims == dims else {
                throw RuntimeError(.malformed, "\(file.path): tensor '\(name)' has shape \(info.dims), expected \(dims)")
            }
            return info
        }
        func floats(_ name: String, _ dims: [Int]) throws -> UnsafePointer<Float> {
            let info = try info(name, dims)
            let src = file.data(of: info)
            if info.type == .f32 { return src.assumingMemoryBound(to: Float.self) }
            let buffer = buffers.allocate(info.elementCount)
            info.type.dequantize(src, count: info.elementCount, into: buffer)
            return UnsafePointer(buffer)
        }
        // F16 and Q8_0 matrices stay in the mapping (the kernels read them in place), except
        // Q8_0 ones copied into the VNNI kernels' layout when asked; other types become F32 copies.
        func matrix(_ t: TensorName, rows: Int, cols: Int, layer: Int = 0) throws -> WeightMatrix {
            let name = t.name(layer: layer)
            let i = try info(name, [cols, rows])
            if i.type == .q8_0 && regroupQ8_0 && rows % 8 == 0 {
                let bytes = i.type.byteCount(elements: i.elementCount)!
                let copy = buffers.allocateBytes(bytes)
                stk_q8_0_regroup(file.data(of: i), copy, Int32(rows), Int32(cols))
                file.releasePages(of: i)
                return WeightMatrix(storage: .regroupedQ8_0(copy), rows: rows, cols: cols)
            }
            if i.type == .f16 || i.type == .q8_0 {
                return WeightMatrix(storage: .packed(i.type, file.data(of: i)), rows: rows, cols: cols)
            }
            return WeightMatrix(storage: .f32(try floats(name, [cols, rows])), rows: rows, cols: cols)
        }
        func vector(_ t: TensorName, _ n: Int, layer: Int = 0) throws -> UnsafePointer<Float> {
            try floats(t.name(layer: layer), [n])
        }
        embedding = try matrix(.tokenEmbedding, rows: c.vocab, cols: c.dim)
        layers = try (0..<c.layers).map { i in
            LayerWeights(
                attnNorm: try vector(.attnNorm, c.dim, layer: i),
                wq: try matrix(.attnQ, rows: c.qDim, cols: c.dim, layer: i),
                wk: try matrix(.attnK, rows: c.kvDim, cols: c.dim, layer: i),
                wv: try matrix(.attnV, rows: c.kvDim, cols: c.dim, layer: i),
                wo: try matrix(.attnOutput, rows: c.dim, cols: c.qDim, layer: i),
                bq: c.attentionBias ? try vector(.attnQBias, c.qDim, layer: i) : nil,
                bk: c.attentionBias ? try vector(.attnKBias, c.kvDim, layer: i) : nil,
                bv: c.attentionBias ? try vector(.attnVBias, c.kvDim, layer: i) : nil,
                ffnNorm: try vector(.ffnNorm, c.dim, layer: i),
                gate: try matrix(.ffnGate, rows: c.ffn, cols: c.dim, layer: i),
                up: try matrix(.ffnUp, rows: c.ffn, cols: c.dim, layer: i),
                down: try matrix(.ffnDown, rows: c.dim, cols: c.ffn, layer: i))
        }
        outputNorm = try vector(.outputNorm, c.dim)
        tiedOutput = file.tensor(TensorName.output.name()) == nil
        output = tiedOutput ? embedding : try matrix(.output, rows: c.vocab, cols: c.dim)
        ropeFreqFactors = file.tensor(TensorName.ropeFreqs.name()) == nil ? nil : try vector(.ropeFreqs, c.ropeDims / 2)
    }
}

/// Buffers freed together (dequantized or regrouped weights), also when loading fails halfway.
final class OwnedBuffers {
    private var pointers: [UnsafeMutableRawPointer] = []

    func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        allocateBytes(count * MemoryLayout<Float>.stride).bindMemory(to: Float.self, capacity: count)
    }

    func allocateBytes(_ count: Int) -> UnsafeMutableRawPointer {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(1, count), alignment: 64)
        pointers.append(p)
        return p
    }

    deinit { for p in pointers { p.deallocate() } }
}
