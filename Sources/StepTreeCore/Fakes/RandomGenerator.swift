/// A zero-latency generator that invents steps from each request's seed (lc0's random backend):
/// for smoke tests (`--generator random:`) and the engine benchmark. Deterministic: a request's
/// samples depend only on its seed, its sample index and the prefix depth.
///
/// A path's steps are `step K\n` with K in `0..<branching` (so siblings collide and merge);
/// at depth `depth` the step is `answer: A\n` with A in `0..<answers`, ending the path with
/// end-of-sequence.
public struct RandomGenerator: StepGenerator {
    public struct Options: Hashable, Sendable {
        /// Distinct step texts at each depth. Default 8.
        public var branching: Int = 8
        /// Depth of the answer step. Default 6.
        public var depth: Int = 6
        /// Distinct answers. Default 4.
        public var answers: Int = 4
        /// Tokens per step (ids are synthetic). Default 4.
        public var tokensPerStep: Int = 4
        public init(branching: Int = 8, depth: Int = 6, answers: Int = 4, tokensPerStep: Int = 4) {
            self.branching = branching
            self.depth = depth
            self.answers = answers
            self.tokensPerStep = tokensPerStep
        }
    }

    public let options: Options
    public let capabilities: GeneratorCapabilities

    public init(options: Options = .init(), recommendedInFlight: Int = 256) {
        self.options = options
        capabilities = GeneratorCapabilities(backend: "random", model: "random(b=\(options.branching),d=\(options.depth))",
                                             returnsTokens: true, returnsLogprobs: true, nativeMultipleSamples: true,
                                             recommendedInFlight: recommendedInFlight)
    }

    public func generate(_ requests: [StepRequest]) async throws -> [StepResult] {
        requests.map(answer)
    }

    /// The samples of one request (synchronous, for tests and the benchmark).
    public func answer(_ r: StepRequest) -> StepResult {
        let depth = r.prefix.count
        let n = max(1, min(options.tokensPerStep, r.maxTokens))
        var samples: [StepSample] = []
        samples.reserveCapacity(r.samples)
        for i in 0..<r.samples {
            let x = SeedMixer.child(of: r.seed, sample: i)
            let last = depth >= options.depth
            let k = Int(x % UInt64(last ? max(1, options.answers) : max(1, options.branching)))
            let text = last ? "answer: \(k)\n" : "step \(k)\n"
            var tokens = [Int32](repeating: Int32(k), count: n)
            tokens[0] = last ? -1 : Int32(depth)
            let lp = -Float((x >> 40) % 1000) / 1000
            samples.append(StepSample(text: text, tokens: tokens, logprobs: [Float](repeating: lp, count: n),
                                      finish: last ? .endOfSequence : (n < options.tokensPerStep ? .length : .stop)))
        }
        return StepResult(id: r.id, samples: samples, cost: GenerationCost(generatedTokens: n * r.samples, forwardTokens: n * r.samples))
    }
}
