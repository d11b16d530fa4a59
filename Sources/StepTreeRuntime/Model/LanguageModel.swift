/// A GGUF model ready to run: its file, config, weights, tokenizer and forward pass.
public final class LanguageModel: @unchecked Sendable {
    /// The mapped GGUF file.
    public let file: GGUFFile
    /// Hyperparameters read from the metadata.
    public let config: TransformerConfig
    /// The tokenizer read from the metadata.
    public let tokenizer: Tokenizer
    let transformer: Transformer

    /// Loads `path` (memory-mapped). `matmul` picks the BLAS path or the naive oracle; `threads`
    /// is the size of the model's thread pool, which runs the kernels, attention and the tiles of
    /// OpenBLAS products (see `ThreadPool`).
    public init(path: String, matmul: Matmul = .blas, threads: Int = 1) throws {
        let file = try GGUFFile(path: path)
        guard let archName = file[GGUFKey.architecture.rawValue]?.stringValue else {
            throw RuntimeError(.missing, "\(path): metadata 'general.architecture' is missing")
        }
        let config = try ArchitectureRegistry.config(of: file, architecture: archName)
        let tokenizer = try Tokenizer(file: file)
        guard tokenizer.count <= config.vocab else {
            throw RuntimeError(.malformed, "\(path): \(tokenizer.count) tokens but the model's vocabulary is \(config.vocab)")
        }
        self.file = file
        self.config = config
        self.tokenizer = tokenizer
        transformer = Transformer(config: config, weights: try TransformerWeights(file: file, config: config, regroupQ8_0: matmul == .blas),
                                  matmul: matmul, threads: threads)
    }

    /// Logits (`vocab` floats per position) for every position of `tokens` from scratch,
    /// without a tree: the reference path for tests and `steptree generate`.
    public func logits(_ tokens: [Int32]) throws -> [[Float]] {
        try validate(tokens)
        let cache = KVStore(layers: config.layers, kvDim: config.kvDim, maxRows: tokens.count)
        let rows = cache.allocate(tokens.count)!
        let flat = transformer.forward([ForwardItem(tokens: tokens, startPosition: 0, context: [], rows: rows, allLogits: true)], cache: cache)
        return (0..<tokens.count).map { Array(flat[$0 * config.vocab..<($0 + 1) * config.vocab]) }
    }

    /// Checks token ids and length against the model before they reach the forward pass.
    func validate(_ tokens: [Int32], startPosition: Int = 0) throws {
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= config.vocab }) {
            throw RuntimeError(.request, "token id \(bad) is outside the vocabulary of \(config.vocab)")
        }
        guard startPosition + tokens.count <= config.context else {
            throw RuntimeError(.request, "\(startPosition + tokens.count) tokens exceed the context length \(config.context)")
        }
    }
}
