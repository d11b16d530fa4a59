/// `llama`: pre-norm decoder, grouped-query attention without biases, RoPE on interleaved pairs
/// (GGUF stores Q/K already permuted for llama.cpp's "norm" RoPE), SwiGLU, untied or tied output.
/// RoPE frequency base, linear scaling and `rope_freqs.weight` factors come from the file.
enum LlamaArchitecture: Architecture {
    static let name = "llama"

    static func config(from file: GGUFFile) throws -> TransformerConfig {
        try TransformerConfig.read(file, arch: name, ropeStyle: .interleaved, attentionBias: false)
    }
}
