/// One segment of a prefix: the rendered prompt (segment 0) or one step (a tree node).
///
/// Token ids are present when the generator that wrote the step returned them; a generator that
/// tokenizes itself may ignore them and use the text. `key` identifies the segment's position in
/// its tree (problem and node), so a generator with a prefix cache (the embedded runtime's tree KV
/// cache) can find the rows it already computed without comparing token arrays.
public struct PrefixSegment: Hashable, Sendable {
    public var text: String
    public var tokens: [Int32]?
    /// `(problem index, node id)` of the tree node this segment is, or the root for the prompt.
    public var key: SegmentKey

    public init(text: String, tokens: [Int32]? = nil, key: SegmentKey) {
        self.text = text
        self.tokens = tokens
        self.key = key
    }
}

/// Where a prefix segment lives: problem index within the run and node id within its tree.
public struct SegmentKey: Hashable, Sendable {
    public var problem: UInt32
    public var node: UInt32
    public init(problem: UInt32, node: UInt32) {
        self.problem = problem
        self.node = node
    }
}

/// Sampling settings for one request. Defaults are neutral (pure temperature sampling).
public struct SamplingParameters: Hashable, Sendable, Codable {
    /// Softmax temperature; 0 means greedy (argmax). Range 0...
    public var temperature: Double = 1.0
    /// Keep only the k most likely tokens; 0 disables. Range 0...
    public var topK: Int = 0
    /// Nucleus sampling mass; 1 disables. Range (0, 1].
    public var topP: Double = 1.0
    /// Drop tokens below minP × the top probability; 0 disables. Range [0, 1).
    public var minP: Double = 0.0

    public init(temperature: Double = 1.0, topK: Int = 0, topP: Double = 1.0, minP: Double = 0.0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
    }
}

/// Identifies a request within a run, for matching results and cancelling.
public typealias RequestID = UInt64

/// Ask for `samples` continuations of one prefix, each ending at the step delimiter, the end of
/// sequence, or `maxTokens`.
public struct StepRequest: Hashable, Sendable {
    public var id: RequestID
    /// The prefix to continue: the prompt, then each ancestor step, root first.
    public var prefix: [PrefixSegment]
    /// Number of independent continuations (siblings) to return.
    public var samples: Int
    public var sampling: SamplingParameters
    /// The step delimiter, e.g. "\n" or "\n\n". The returned text includes it when it was hit.
    public var stop: String
    public var maxTokens: Int
    /// Seed of this request; sample i uses a PRNG derived from (seed, i), so an expansion is
    /// reproducible whatever else is in the batch.
    public var seed: UInt64

    public init(id: RequestID, prefix: [PrefixSegment], samples: Int = 1, sampling: SamplingParameters = .init(),
                stop: String = "\n", maxTokens: Int = 256, seed: UInt64 = 0) {
        self.id = id
        self.prefix = prefix
        self.samples = samples
        self.sampling = sampling
        self.stop = stop
        self.maxTokens = maxTokens
        self.seed = seed
    }

    /// The whole prefix as text.
    public var prefixText: String { prefix.map(\.text).joined() }
}
