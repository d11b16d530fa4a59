import Foundation
import StepTreeCore

/// The prompt of one HTTP request: token ids when the backend takes them and every segment has
/// them, else text.
enum PromptPayload: Hashable, Sendable {
    case text(String)
    case tokens([Int32])

    var json: JSON {
        switch self {
        case .text(let s): return .string(s)
        case .tokens(let ids): return .tokens(ids)
        }
    }
}

/// The root prompt (segment 0) as the backend sees it, computed once per problem.
struct RootPrompt: Hashable, Sendable {
    /// The prompt text, chat template applied when asked.
    var text: String
    /// Its token ids, when the backend tokenized it.
    var tokens: [Int32]?
}

/// What differs between backends: the route, the request body and the answer's shape. The
/// shared fan-out, caching and retry logic lives in `HTTPStepEngine`.
protocol CompletionWire: Sendable {
    var capabilities: HTTPBackendCapabilities { get }
    /// Route of the completion call, e.g. `/v1/completions`.
    var path: String { get }
    /// Renders (chat template) and tokenizes the root prompt, when the backend needs either.
    func root(_ prompt: String, options: HTTPGeneratorOptions, transport: HTTPTransport,
              deadline: Date) async -> Result<RootPrompt, HTTPGeneratorError>
    /// The JSON body asking for `samples` continuations of `prompt` with seed `seed`.
    func body(prompt: PromptPayload, request: StepRequest, samples: Int, seed: Int,
              options: HTTPGeneratorOptions) -> JSON
    /// The samples and cost in an answer.
    func parse(_ answer: JSON, request: StepRequest) throws -> (samples: [StepSample], cost: GenerationCost)
}

extension CompletionWire {
    /// Whether to ask for logprobs: when the caller wants them, or when they are the only way to
    /// tell a stop from an end of sequence.
    func wantsLogprobs(_ options: HTTPGeneratorOptions) -> Bool {
        capabilities.returnsLogprobs && (options.logprobs || !capabilities.reportsStop)
    }

    /// Sampling fields with llama.cpp-style names, neutral unless the request says otherwise.
    func samplerFields(_ s: SamplingParameters, options: HTTPGeneratorOptions) -> [String: JSON] {
        var f: [String: JSON] = [
            "temperature": .number(s.temperature), "top_p": .number(s.topP),
            "top_k": .number(Double(s.topK)), "min_p": .number(s.minP),
        ]
        if let name = capabilities.repeatPenaltyField { f[name] = .number(options.repeatPenalty) }
        return f
    }
}

/// Decides how a continuation ended and puts the stop delimiter back when the server cut it.
enum StopResolver {
    /// - Parameters:
    ///   - text: the text as the server returned it.
    ///   - lengthLimited: the server stopped at `max_tokens`.
    ///   - stopFired: whether the stop string fired, when the server says; nil when it does not.
    ///   - pieces: per-token strings of all generated tokens (the stop token included, the end of
    ///     sequence excluded), used when `stopFired` is nil.
    static func resolve(text: String, stop: String, lengthLimited: Bool, stopFired: Bool?,
                        pieces: [String]?) -> (text: String, finish: FinishReason) {
        if lengthLimited { return (text, .length) }
        let withStop = text.hasSuffix(stop) ? text : text + stop
        let fired: Bool
        if let stopFired {
            fired = stopFired
        } else if let pieces {
            // The pieces hold the stop only when it fired: an end of sequence leaves just the text,
            // which cannot contain the stop. (Not a prefix test: llama-cpp-python decodes each
            // byte token alone, so pieces of a multi-byte character come back empty.)
            fired = !stop.isEmpty && pieces.joined().contains(stop)
        } else {
            // No evidence either way (Ollama without logprobs): a step request is far more
            // often ended by its delimiter than by the end of sequence.
            fired = !stop.isEmpty
        }
        return fired ? (withStop, .stop) : (text, .endOfSequence)
    }
}

/// Seeds for fanned-out samples: sample i of a request with seed s uses `derive(s, i)`, a
/// SplitMix64 mix kept to 31 bits because llama.cpp takes 32-bit seeds and treats -1 as random.
enum SeedDerivation {
    static func derive(_ seed: UInt64, _ index: Int) -> Int {
        var z = seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(index + 1)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int(z & 0x7FFF_FFFF)
    }
}
