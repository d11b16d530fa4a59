/// Why a sampled continuation ended.
public enum FinishReason: String, Hashable, Sendable, Codable {
    /// The step delimiter was produced (it is included in the text).
    case stop
    /// The model produced its end-of-sequence token: the path is finished.
    case endOfSequence = "eos"
    /// `maxTokens` was reached.
    case length
    /// The request was cancelled before it finished.
    case cancelled
}

/// One sampled continuation (a candidate child step).
public struct StepSample: Hashable, Sendable {
    /// The step's text, including the delimiter when `finish == .stop`.
    public var text: String
    /// Token ids of the step, when the generator knows them.
    public var tokens: [Int32]?
    /// Log-probability of each token under the sampling distribution's model (before temperature).
    public var logprobs: [Float]?
    /// Entropy of each token's distribution (nats), when the generator computes it.
    public var entropies: [Float]?
    public var finish: FinishReason

    public init(text: String, tokens: [Int32]? = nil, logprobs: [Float]? = nil, entropies: [Float]? = nil,
                finish: FinishReason) {
        self.text = text
        self.tokens = tokens
        self.logprobs = logprobs
        self.entropies = entropies
        self.finish = finish
    }

    /// Mean token log-probability, the basis of MCTS priors; nil without logprobs.
    public var meanLogprob: Double? {
        guard let lp = logprobs, !lp.isEmpty else { return nil }
        return Double(lp.reduce(0, +)) / Double(lp.count)
    }
}

/// Cost figures of one request, summed into the run's summary.
public struct GenerationCost: Hashable, Sendable, Codable {
    /// Tokens sampled and returned.
    public var generatedTokens: Int = 0
    /// Tokens run through the model (prompt tokens not found in a cache, plus generated ones).
    public var forwardTokens: Int = 0
    public init(generatedTokens: Int = 0, forwardTokens: Int = 0) {
        self.generatedTokens = generatedTokens
        self.forwardTokens = forwardTokens
    }
    public static func + (a: Self, b: Self) -> Self {
        .init(generatedTokens: a.generatedTokens + b.generatedTokens, forwardTokens: a.forwardTokens + b.forwardTokens)
    }
}

/// The answer to one `StepRequest`: its samples in order, or the failure that prevented them.
public struct StepResult: Hashable, Sendable {
    public var id: RequestID
    public var samples: [StepSample]
    public var cost: GenerationCost
    /// Set when the backend failed for this request after its retries; samples is then empty.
    public var failure: String?

    public init(id: RequestID, samples: [StepSample], cost: GenerationCost = .init(), failure: String? = nil) {
        self.id = id
        self.samples = samples
        self.cost = cost
        self.failure = failure
    }
}
