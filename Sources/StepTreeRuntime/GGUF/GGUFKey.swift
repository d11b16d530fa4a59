/// Every GGUF metadata key and tensor name the runtime reads, in one table (llama.cpp's
/// `llama-arch.h` `llm_kv` / `LLM_TN`). Architecture-scoped keys are templates over `{arch}`.
public enum GGUFKey: String, CaseIterable, Sendable {
    case architecture = "general.architecture"
    case name = "general.name"
    case alignment = "general.alignment"
    case fileType = "general.file_type"

    case contextLength = "{arch}.context_length"
    case embeddingLength = "{arch}.embedding_length"
    case blockCount = "{arch}.block_count"
    case feedForwardLength = "{arch}.feed_forward_length"
    case headCount = "{arch}.attention.head_count"
    case headCountKV = "{arch}.attention.head_count_kv"
    case rmsEpsilon = "{arch}.attention.layer_norm_rms_epsilon"
    case keyLength = "{arch}.attention.key_length"
    case ropeDimensionCount = "{arch}.rope.dimension_count"
    case ropeFreqBase = "{arch}.rope.freq_base"
    case ropeScalingType = "{arch}.rope.scaling.type"
    case ropeScalingFactor = "{arch}.rope.scaling.factor"
    case vocabSize = "{arch}.vocab_size"

    case tokenizerModel = "tokenizer.ggml.model"
    case tokenizerPre = "tokenizer.ggml.pre"
    case tokens = "tokenizer.ggml.tokens"
    case tokenTypes = "tokenizer.ggml.token_type"
    case scores = "tokenizer.ggml.scores"
    case merges = "tokenizer.ggml.merges"
    case bosTokenID = "tokenizer.ggml.bos_token_id"
    case eosTokenID = "tokenizer.ggml.eos_token_id"
    case eotTokenID = "tokenizer.ggml.eot_token_id"
    case addBOS = "tokenizer.ggml.add_bos_token"
    case addSpacePrefix = "tokenizer.ggml.add_space_prefix"

    /// The concrete key for an architecture (`{arch}` replaced).
    public func key(arch: String) -> String {
        rawValue.replacingOccurrences(of: "{arch}", with: arch)
    }
}

/// Tensor names, templated by layer: `TensorName.attnNorm.name(layer: 3)` → `blk.3.attn_norm.weight`.
public enum TensorName: String, CaseIterable, Sendable {
    case tokenEmbedding = "token_embd.weight"
    case outputNorm = "output_norm.weight"
    /// Optional: absent when the output projection is tied to `token_embd.weight`.
    case output = "output.weight"
    /// Optional: Llama 3.1 RoPE frequency factors.
    case ropeFreqs = "rope_freqs.weight"
    case attnNorm = "blk.{i}.attn_norm.weight"
    case attnQ = "blk.{i}.attn_q.weight"
    case attnK = "blk.{i}.attn_k.weight"
    case attnV = "blk.{i}.attn_v.weight"
    case attnQBias = "blk.{i}.attn_q.bias"
    case attnKBias = "blk.{i}.attn_k.bias"
    case attnVBias = "blk.{i}.attn_v.bias"
    case attnOutput = "blk.{i}.attn_output.weight"
    case ffnNorm = "blk.{i}.ffn_norm.weight"
    case ffnGate = "blk.{i}.ffn_gate.weight"
    case ffnUp = "blk.{i}.ffn_up.weight"
    case ffnDown = "blk.{i}.ffn_down.weight"

    /// The tensor's name in the file, for layer `layer` when the name is per layer.
    public func name(layer: Int = 0) -> String {
        rawValue.replacingOccurrences(of: "{i}", with: String(layer))
    }
}
