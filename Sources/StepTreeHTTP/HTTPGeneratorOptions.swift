import Foundation

/// Settings shared by every HTTP generator.
public struct HTTPGeneratorOptions: Hashable, Sendable {
    /// Model name sent in each request (`model`); nil omits the field, so the server uses the model
    /// it serves (vLLM, llama.cpp and llama-cpp-python allow that; Ollama requires a name).
    public var model: String?
    /// Seconds one step request may take in all, retries included; past it the request fails
    /// with a `deadline` failure. Default 120.
    public var deadline: TimeInterval
    /// Extra attempts after a connection failure or a 429/5xx answer. Default 8.
    public var maxRetries: Int
    /// First backoff delay in seconds; doubles per retry (with jitter) up to `maxBackoff`.
    public var initialBackoff: TimeInterval
    /// Largest backoff delay in seconds. Default 1.
    public var maxBackoff: TimeInterval
    /// Most HTTP requests in flight at once over all endpoints; each holds one keep-alive
    /// connection (HTTP/1.1), so this is also the most connections opened. Default 256.
    public var maxInFlight: Int
    /// Render the root prompt through the server's chat template (as one user message with
    /// `add_generation_prompt`) before continuing it. Default false.
    public var useChatTemplate: Bool
    /// Ask for per-token logprobs. Default true.
    public var logprobs: Bool
    /// Repetition penalty sent to servers whose default is not neutral. Default 1 (off).
    public var repeatPenalty: Double

    public init(model: String? = nil, deadline: TimeInterval = 120, maxRetries: Int = 8,
                initialBackoff: TimeInterval = 0.05, maxBackoff: TimeInterval = 1, maxInFlight: Int = 256,
                useChatTemplate: Bool = false, logprobs: Bool = true, repeatPenalty: Double = 1) {
        self.model = model
        self.deadline = deadline
        self.maxRetries = maxRetries
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxInFlight = maxInFlight
        self.useChatTemplate = useChatTemplate
        self.logprobs = logprobs
        self.repeatPenalty = repeatPenalty
    }
}
