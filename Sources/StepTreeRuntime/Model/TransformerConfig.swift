import Foundation

/// The blueprint of a decoder-only transformer, read from GGUF metadata (llama2.c's `Config`).
public struct TransformerConfig: Sendable, Equatable {
    /// `general.architecture` (`llama`, `qwen2`).
    public var architecture: String
    /// Embedding width.
    public var dim: Int
    /// Decoder blocks.
    public var layers: Int
    /// Query heads.
    public var heads: Int
    /// Key/value heads (grouped-query attention when fewer than `heads`).
    public var kvHeads: Int
    /// Width of one head.
    public var headDim: Int
    /// Feed-forward hidden width.
    public var ffn: Int
    /// Vocabulary size (rows of the embedding and output).
    public var vocab: Int
    /// Longest sequence the model was trained for; the runtime refuses longer ones.
    public var context: Int
    /// RMSNorm epsilon.
    public var rmsEps: Float
    /// RoPE frequency base.
    public var ropeBase: Double
    /// Dimensions rotated by RoPE in each head (≤ `headDim`).
    public var ropeDims: Int
    /// Linear RoPE scaling: positions are divided by this factor (1 when absent).
    public var ropeLinearScale: Double
    /// Which coordinates RoPE rotates together.
    public var ropeStyle: RopeStyle
    /// Q, K and V projections carry biases (Qwen2).
    public var attentionBias: Bool

    /// Width of all query heads.
    public var qDim: Int { heads * headDim }
    /// Width of all key (or value) heads: one KV cache row per layer.
    public var kvDim: Int { kvHeads * headDim }

    /// Reads the hyperparameters of architecture `arch` with the given per-architecture choices.
    static func read(_ file: GGUFFile, arch: String, ropeStyle: RopeStyle, attentionBias: Bool) throws -> TransformerConfig {
        func int(_ key: GGUFKey, default value: Int? = nil) throws -> Int {
            if let v = file[key.key(arch: arch)]?.intValue { return v }
            if let value { return value }
            throw RuntimeError(.missing, "\(file.path): metadata '\(key.key(arch: arch))' is missing or not an integer")
        }
        let dim = try int(.embeddingLength)
        let heads = try int(.headCount)
        guard heads > 0, dim > 0 else { throw RuntimeError(.malformed, "\(file.path): head_count \(heads), embedding_length \(dim)") }
        let headDim = try int(.keyLength, default: dim / heads)
        let kvHeads = try int(.headCountKV, default: heads)
        guard kvHeads > 0, heads % kvHeads == 0 else {
            throw RuntimeError(.malformed, "\(file.path): head_count \(heads) is not a multiple of head_count_kv \(kvHeads)")
        }
        let vocab = try file[GGUFKey.vocabSize.key(arch: arch)]?.intValue
            ?? file[GGUFKey.tokens.rawValue]?.arrayValue?.count
            ?? file.tensor(TensorName.tokenEmbedding.name())?.dims.last
            ?? { throw RuntimeError(.missing, "\(file.path): cannot tell the vocabulary size") }()
        var scale = 1.0
        if let type = file[GGUFKey.ropeScalingType.key(arch: arch)]?.stringValue, type != "none" {
            guard type == "linear" else { throw RuntimeError(.unsupported, "\(file.path): RoPE scaling type '\(type)' (supported: none, linear)") }
            scale = file[GGUFKey.ropeScalingFactor.key(arch: arch)]?.doubleValue ?? 1
        }
        let ropeDims = try int(.ropeDimensionCount, default: headDim)
        guard ropeDims <= headDim, ropeDims % 2 == 0 else {
            throw RuntimeError(.malformed, "\(file.path): rope.dimension_count \(ropeDims) does not fit head size \(headDim)")
        }
        return TransformerConfig(
            architecture: arch, dim: dim, layers: try int(.blockCount), heads: heads, kvHeads: kvHeads, headDim: headDim,
            ffn: try int(.feedForwardLength), vocab: vocab, context: try int(.contextLength, default: 2048),
            rmsEps: Float(file[GGUFKey.rmsEpsilon.key(arch: arch)]?.doubleValue ?? 1e-5),
            ropeBase: file[GGUFKey.ropeFreqBase.key(arch: arch)]?.doubleValue ?? 10000, ropeDims: ropeDims,
            ropeLinearScale: scale, ropeStyle: ropeStyle, attentionBias: attentionBias)
    }
}
