import StepTreeCore

/// A generator whose samples come from a closure over the request; records every request and
/// every cancellation, and can wait before answering (to test in-flight limits and cancelling).
public final class ScriptedGenerator: StepGenerator, @unchecked Sendable {
    public let capabilities: GeneratorCapabilities
    private let script: @Sendable (StepRequest) -> [StepSample]
    private let delay: Duration?
    private let lock = Lock()
    private var _requests: [StepRequest] = []
    private var _cancelled: [RequestID] = []
    private var _released: [SegmentKey] = []
    private var _inFlight = 0
    private var _maxInFlight = 0

    public init(recommendedInFlight: Int = 16, delay: Duration? = nil,
                script: @escaping @Sendable (StepRequest) -> [StepSample]) {
        capabilities = GeneratorCapabilities(backend: "scripted", model: "script", returnsTokens: true,
                                             returnsLogprobs: true, nativeMultipleSamples: true,
                                             recommendedInFlight: recommendedInFlight)
        self.delay = delay
        self.script = script
    }

    public var requests: [StepRequest] { lock.with { _requests } }
    public var cancelled: [RequestID] { lock.with { _cancelled } }
    public var released: [SegmentKey] { lock.with { _released } }
    /// The most requests that were inside `generate` at once.
    public var maxInFlight: Int { lock.with { _maxInFlight } }

    public func generate(_ requests: [StepRequest]) async throws -> [StepResult] {
        lock.with {
            _requests += requests
            _inFlight += requests.count
            _maxInFlight = max(_maxInFlight, _inFlight)
        }
        defer { lock.with { _inFlight -= requests.count } }
        if let delay {
            do { try await Task.sleep(for: delay) } catch {
                lock.with { _cancelled += requests.map(\.id) }
                throw error
            }
        }
        return requests.map { r in
            let samples = script(r)
            let tokens = samples.reduce(0) { $0 + ($1.tokens?.count ?? 0) }
            return StepResult(id: r.id, samples: samples, cost: GenerationCost(generatedTokens: tokens, forwardTokens: tokens))
        }
    }

    public func release(_ keys: [SegmentKey]) async {
        lock.with { _released += keys }
    }
}
