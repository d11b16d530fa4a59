import Foundation
import StepTreeRuntime

/// Scores every step of reasoning paths with a GGUF process reward model (README.md): the prompt
/// and each step are tokenized, the step tag follows each step, and the model's head reads the
/// hidden state at the tag's last token. Both conventions reduce to `sigmoid(direction · h + offset)`:
/// Math-Shepherd's softmax of `+` against `-` is `sigmoid((out[+] - out[-]) · h)`; a one-row value
/// head is `sigmoid(w · h + b)`, a two-row one `sigmoid((w1 - w0) · h + b1 - b0)`.
final class StepScorer {
    /// How the step score is read from the model.
    enum Convention: String {
        case mathShepherd = "math-shepherd"
        case valueHead = "value-head"
    }

    /// The GGUF tensor of a value head: `[rows, dim]` (GGUF dims `[dim, rows]`), rows 1 or 2.
    static let headTensor = "prm_head.weight"
    /// Its optional bias, `[rows]`.
    static let headBias = "prm_head.bias"
    /// Optional metadata: the step tag the model was trained with.
    static let stepTagKey = "steptree.prm.step_tag"

    let prefixScorer: PrefixScorer
    let convention: Convention
    let stepTag: String
    /// Tokens the cache holds; a longer sequence cannot be scored.
    let maxRows: Int
    private let tagTokens: [Int32]
    private let direction: [Double]
    private let offset: Double

    /// - Parameters: `convention` nil picks `value-head` when the file has `prm_head.weight`;
    ///   `stepTag` nil takes the file's `steptree.prm.step_tag`, else `ки`; `plus`/`minus` are the
    ///   judgment tokens of Math-Shepherd (text of one token, or `#ID`).
    init(model: LanguageModel, convention: Convention?, stepTag: String?, plus: String = "+", minus: String = "-",
         maxRows: Int = 1 << 16, reusesPrefixes: Bool = true) throws {
        let file = model.file
        let hasHead = file.tensor(Self.headTensor) != nil
        self.convention = convention ?? (hasHead ? .valueHead : .mathShepherd)
        self.stepTag = stepTag ?? file[Self.stepTagKey]?.stringValue ?? "ки"
        tagTokens = model.tokenizer.encode(self.stepTag, addSpecial: false)
        guard !tagTokens.isEmpty else { throw PRMError("\(file.path): the step tag \"\(self.stepTag)\" encodes to no tokens") }
        self.maxRows = maxRows
        prefixScorer = PrefixScorer(model: model, maxRows: maxRows, reusesPrefixes: reusesPrefixes)
        switch self.convention {
        case .mathShepherd:
            func token(_ spec: String) throws -> Int32 {
                if spec.hasPrefix("#"), let id = Int32(spec.dropFirst()), id >= 0, Int(id) < model.config.vocab { return id }
                let ids = model.tokenizer.encode(spec, addSpecial: false)
                guard ids.count == 1 else {
                    throw PRMError("\(file.path): judgment token \"\(spec)\" encodes to \(ids.count) tokens, expected 1 (use #ID)")
                }
                return ids[0]
            }
            let (p, m) = (prefixScorer.outputRow(try token(plus)), prefixScorer.outputRow(try token(minus)))
            direction = zip(p, m).map { Double($0) - Double($1) }
            offset = 0
        case .valueHead:
            let dim = model.config.dim
            guard let info = file.tensor(Self.headTensor) else {
                throw PRMError("\(file.path): tensor '\(Self.headTensor)' is missing (needed by the value-head convention)")
            }
            guard info.dims.count == 2, info.dims[0] == dim, info.dims[1] == 1 || info.dims[1] == 2 else {
                throw PRMError("\(file.path): tensor '\(Self.headTensor)' has shape \(info.dims), expected [\(dim), 1] or [\(dim), 2]")
            }
            let rows = info.dims[1]
            let w = Self.floats(file, info)
            var bias = [Float](repeating: 0, count: rows)
            if let b = file.tensor(Self.headBias) {
                guard b.dims == [rows] else {
                    throw PRMError("\(file.path): tensor '\(Self.headBias)' has shape \(b.dims), expected [\(rows)]")
                }
                bias = Self.floats(file, b)
            }
            if rows == 1 {
                direction = w.map(Double.init)
                offset = Double(bias[0])
            } else {
                direction = (0..<dim).map { Double(w[dim + $0]) - Double(w[$0]) }
                offset = Double(bias[1]) - Double(bias[0])
            }
        }
    }

    /// The tokens of `prompt` then each step followed by the tag (a step's trailing newlines come
    /// after its tag), and the index of each tag's last token.
    func sequence(prompt: String, steps: [String]) -> (tokens: [Int32], positions: [Int]) {
        let tokenizer = prefixScorer.model.tokenizer
        var tokens = tokenizer.encode(prompt, addSpecial: true)
        var positions: [Int] = []
        for step in steps {
            var body = Substring(step)
            while body.last == "\n" { body.removeLast() }
            tokens += tokenizer.encode(String(body), addSpecial: false) + tagTokens
            positions.append(tokens.count - 1)
            let trailing = step.dropFirst(body.count)
            if !trailing.isEmpty { tokens += tokenizer.encode(String(trailing), addSpecial: false) }
        }
        return (tokens, positions)
    }

    /// Step scores in [0, 1] for each path, all paths in one batched forward pass.
    func score(_ paths: [(prompt: String, steps: [String])]) throws -> [[Double]] {
        try score(sequences: paths.map { sequence(prompt: $0.prompt, steps: $0.steps) })
    }

    /// Step scores in [0, 1] for sequences made by `sequence(prompt:steps:)`, in one batched
    /// forward pass.
    func score(sequences: [(tokens: [Int32], positions: [Int])]) throws -> [[Double]] {
        let states = try prefixScorer.hiddenStates(sequences.map(\.tokens), at: sequences.map(\.positions))
        return states.map { $0.map(score) }
    }

    /// The probability the head gives to "correct" for one hidden state.
    func score(_ hidden: [Float]) -> Double {
        var z = offset
        for i in 0..<direction.count { z += direction[i] * Double(hidden[i]) }
        return 1 / (1 + exp(-z))
    }

    private static func floats(_ file: GGUFFile, _ info: GGUFTensorInfo) -> [Float] {
        [Float](unsafeUninitializedCapacity: info.elementCount) { buffer, count in
            info.type.dequantize(file.data(of: info), count: info.elementCount, into: buffer.baseAddress!)
            count = info.elementCount
        }
    }
}

/// A configuration or model error of verifier-prm-local, naming the file or option at fault.
struct PRMError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
