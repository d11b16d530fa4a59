/// `qwen2`: the Llama block with biases on the Q, K and V projections and NeoX-style RoPE
/// (rotating the two halves of each head).
enum Qwen2Architecture: Architecture {
    static let name = "qwen2"

    static func config(from file: GGUFFile) throws -> TransformerConfig {
        try TransformerConfig.read(file, arch: name, ropeStyle: .neox, attentionBias: true)
    }
}
