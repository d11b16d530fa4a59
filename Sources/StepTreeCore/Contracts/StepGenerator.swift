/// What a generator backend can be relied on for, so the driver knows how to use it.
public struct GeneratorCapabilities: Hashable, Sendable {
    /// Human-readable backend name for summaries and fingerprints ("embedded", "openai", ...).
    public var backend: String
    /// Model identity (file name or server model id) for the run fingerprint.
    public var model: String
    /// Returns token ids for each sample.
    public var returnsTokens: Bool
    /// Returns per-token logprobs.
    public var returnsLogprobs: Bool
    /// Honours `samples > 1` in one request (else the adapter fans out).
    public var nativeMultipleSamples: Bool
    /// How many requests the driver should keep in flight to saturate the backend.
    public var recommendedInFlight: Int

    public init(backend: String, model: String, returnsTokens: Bool, returnsLogprobs: Bool,
                nativeMultipleSamples: Bool, recommendedInFlight: Int) {
        self.backend = backend
        self.model = model
        self.returnsTokens = returnsTokens
        self.returnsLogprobs = returnsLogprobs
        self.nativeMultipleSamples = nativeMultipleSamples
        self.recommendedInFlight = recommendedInFlight
    }
}

/// The policy side of the search: proposes child steps for a batch of prefixes.
///
/// Implementations: the embedded runtime (`StepTreeRuntime.EmbeddedGenerator`), HTTP servers
/// (`StepTreeHTTP`), scripted generators in tests. Results come back in request order. Calls may
/// overlap; an implementation may batch concurrent calls together. A backend failure for one
/// request is reported in `StepResult.failure`, not thrown; `generate` throws only when the
/// generator itself is unusable (for example, its model cannot be loaded).
public protocol StepGenerator: Sendable {
    var capabilities: GeneratorCapabilities { get }
    func generate(_ requests: [StepRequest]) async throws -> [StepResult]
    /// Tells the generator that cached state for these tree nodes will not be used again
    /// (pruned or finished subtrees), so it may free it. Default: nothing to free.
    func release(_ keys: [SegmentKey]) async
}

extension StepGenerator {
    public func release(_ keys: [SegmentKey]) async {}
}
