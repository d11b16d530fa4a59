/// What one kind of server can be relied on for: the capability record each adapter consults
/// instead of guessing (see the capability matrix in the design notes, ecosystem.md §1.6).
public struct HTTPBackendCapabilities: Hashable, Sendable {
    /// Name in summaries and run fingerprints ("vllm", "sglang", "llama-cpp-python", ...).
    public var name: String
    /// Accepts a prompt given as token ids.
    public var tokenPrompts: Bool
    /// Path of the tokenizer route (`/tokenize`), or nil when the server has none usable here.
    public var tokenizePath: String?
    /// Honours `n > 1` in one request; otherwise the adapter sends one request per sample.
    public var nativeSamples: Bool
    /// Request field that keeps the matched stop string in the text (`include_stop_str_in_output`,
    /// `no_stop_trim`), or nil when the server always strips it (the adapter re-appends it).
    public var keepStopField: String?
    /// The answer says which stop fired (`stop_reason`, `matched_stop`, `stopping_word`). When
    /// false, a stop is told from an end of sequence by the per-token strings of the logprobs,
    /// which the adapter then always requests.
    public var reportsStop: Bool
    /// Returns the generated token ids.
    public var returnsTokens: Bool
    /// Returns per-token logprobs.
    public var returnsLogprobs: Bool
    /// Name of the repetition-penalty field to send as 1 (neutral), or nil when the server's
    /// default is already neutral.
    public var repeatPenaltyField: String?
    /// Can render a chat template for the root prompt (`/tokenize` with `messages`, or
    /// llama.cpp's `/apply-template`).
    public var chatTemplates: Bool

    public init(name: String, tokenPrompts: Bool, tokenizePath: String?, nativeSamples: Bool,
                keepStopField: String?, reportsStop: Bool, returnsTokens: Bool, returnsLogprobs: Bool,
                repeatPenaltyField: String?, chatTemplates: Bool) {
        self.name = name
        self.tokenPrompts = tokenPrompts
        self.tokenizePath = tokenizePath
        self.nativeSamples = nativeSamples
        self.keepStopField = keepStopField
        self.reportsStop = reportsStop
        self.returnsTokens = returnsTokens
        self.returnsLogprobs = returnsLogprobs
        self.repeatPenaltyField = repeatPenaltyField
        self.chatTemplates = chatTemplates
    }

    /// vLLM's `/v1/completions`: token prompts, `n` (child i seeded `seed + i`),
    /// `include_stop_str_in_output`, `stop_reason`, `return_token_ids`, `/tokenize` with `messages`.
    public static let vllm = HTTPBackendCapabilities(
        name: "vllm", tokenPrompts: true, tokenizePath: "/tokenize", nativeSamples: true,
        keepStopField: "include_stop_str_in_output", reportsStop: true, returnsTokens: true,
        returnsLogprobs: true, repeatPenaltyField: nil, chatTemplates: true)

    /// SGLang's `/v1/completions`: as vLLM, but `no_stop_trim` keeps the stop and `matched_stop`
    /// says which fired. SGLang advises repeated prompts over `n > 1`, so samples fan out.
    public static let sglang = HTTPBackendCapabilities(
        name: "sglang", tokenPrompts: true, tokenizePath: "/v1/tokenize", nativeSamples: false,
        keepStopField: "no_stop_trim", reportsStop: true, returnsTokens: true,
        returnsLogprobs: true, repeatPenaltyField: nil, chatTemplates: true)

    /// llama-cpp-python's OpenAI-compatible server (measured, countdown-probe.md §6): ignores `n`,
    /// takes text prompts only, strips the stop string and reports `finish_reason: "stop"` for both
    /// a stop string and end of sequence, and applies top_k 40 / top_p 0.95 / min_p 0.05 /
    /// repeat_penalty 1.1 unless told otherwise.
    public static let llamaCppPython = HTTPBackendCapabilities(
        name: "llama-cpp-python", tokenPrompts: false, tokenizePath: nil, nativeSamples: false,
        keepStopField: nil, reportsStop: false, returnsTokens: false, returnsLogprobs: true,
        repeatPenaltyField: "repeat_penalty", chatTemplates: false)

    /// llama.cpp `llama-server`'s native `/completion`: token-array prompts, `/tokenize`,
    /// `stopping_word` (stripped from the text), `return_tokens`, `n_probs`, `cache_prompt`; one
    /// completion per request.
    public static let llamaServer = HTTPBackendCapabilities(
        name: "llama.cpp", tokenPrompts: true, tokenizePath: "/tokenize", nativeSamples: false,
        keepStopField: nil, reportsStop: true, returnsTokens: true, returnsLogprobs: true,
        repeatPenaltyField: "repeat_penalty", chatTemplates: true)

    /// Ollama's `/api/generate` with `raw: true`: text prompts only, one completion per request,
    /// the stop string stripped and `done_reason: "stop"` for both a stop and end of sequence.
    public static let ollama = HTTPBackendCapabilities(
        name: "ollama", tokenPrompts: false, tokenizePath: nil, nativeSamples: false,
        keepStopField: nil, reportsStop: false, returnsTokens: false, returnsLogprobs: true,
        repeatPenaltyField: "repeat_penalty", chatTemplates: false)
}
