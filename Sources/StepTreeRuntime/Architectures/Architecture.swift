/// One model architecture: how to read its hyperparameters. Its weights are bound by
/// `TransformerWeights` and its forward pass is built from `Transformer`'s shared blocks, steered
/// by the config (RoPE style, attention biases).
protocol Architecture {
    /// The `general.architecture` value.
    static var name: String { get }
    static func config(from file: GGUFFile) throws -> TransformerConfig
}

/// The architectures this runtime runs, in one explicit table.
enum ArchitectureRegistry {
    static let all: [Architecture.Type] = [LlamaArchitecture.self, Qwen2Architecture.self]

    /// The config of `file` by the architecture its metadata names.
    static func config(of file: GGUFFile, architecture name: String) throws -> TransformerConfig {
        for arch in all where arch.name == name { return try arch.config(from: file) }
        throw RuntimeError(.unsupported, "\(file.path): architecture '\(name)' is not supported (supported: \(all.map { $0.name }.joined(separator: ", ")))")
    }
}
