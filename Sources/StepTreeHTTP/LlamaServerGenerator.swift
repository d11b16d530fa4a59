import Foundation
import StepTreeCore

/// A `StepGenerator` over llama.cpp `llama-server`'s native `/completion`.
///
/// Token-array prompts (the root tokenized once per problem through `/tokenize`, rendered through
/// `/apply-template` when a chat template is asked for), `cache_prompt` so the server reuses the
/// KV rows of the shared prefix, `n_probs` for logprobs, `return_tokens` for token ids, and the
/// stop word, which the server strips, re-appended. One completion per request: samples fan out
/// with seeds derived from `(seed, i)`.
public struct LlamaServerGenerator: StepGenerator {
    private let engine: HTTPStepEngine<LlamaServerWire>

    /// - Parameters:
    ///   - endpoints: `llama-server` base URLs, dispatched by least outstanding requests.
    ///   - options: deadline, retries, in-flight limit, chat template, sampling overrides.
    public init(endpoints: [URL], options: HTTPGeneratorOptions = .init()) {
        engine = HTTPStepEngine(wire: LlamaServerWire(), endpoints: endpoints, options: options)
    }

    public var capabilities: GeneratorCapabilities {
        engine.capabilities(model: engine.options.model ?? engine.transport.pool.endpoints[0].absoluteString)
    }

    /// Traffic counters (attempts, retries, failures, most in flight).
    public var statistics: HTTPTransportStatistics { engine.transport.pool.statistics }

    public func generate(_ requests: [StepRequest]) async throws -> [StepResult] {
        await engine.generate(requests)
    }

    public func release(_ keys: [SegmentKey]) async { engine.release(keys) }
}

/// Request and answer shapes of llama-server's `/completion`, `/tokenize`, `/apply-template`
/// (ecosystem.md §1.6).
struct LlamaServerWire: CompletionWire {
    var capabilities: HTTPBackendCapabilities { .llamaServer }
    var path: String { "/completion" }

    func root(_ prompt: String, options: HTTPGeneratorOptions, transport: HTTPTransport,
              deadline: Date) async -> Result<RootPrompt, HTTPGeneratorError> {
        var text = prompt
        if options.useChatTemplate {
            let body: JSON = ["messages": [["role": "user", "content": .string(prompt)]]]
            switch await transport.post("/apply-template", body, deadline: deadline) {
            case .failure(let e): return .failure(e)
            case .success(let answer):
                guard let rendered = answer["prompt"]?.string else {
                    return .failure(.init(.badResponse, "POST /apply-template: no \"prompt\" string in the answer"))
                }
                text = rendered
            }
        }
        // A string prompt gets BOS and special-token parsing; a rendered template carries its own.
        let body: JSON = ["content": .string(text), "add_special": .bool(!options.useChatTemplate),
                               "parse_special": true]
        switch await transport.post("/tokenize", body, deadline: deadline) {
        case .failure(let e): return .failure(e)
        case .success(let answer):
            guard let tokens = answer["tokens"]?.tokenIDs else {
                return .failure(.init(.badResponse, "POST /tokenize: no \"tokens\" array of ids in the answer"))
            }
            return .success(RootPrompt(text: text, tokens: tokens))
        }
    }

    func body(prompt: PromptPayload, request: StepRequest, samples: Int, seed: Int,
              options: HTTPGeneratorOptions) -> JSON {
        var b = samplerFields(request.sampling, options: options)
        b["prompt"] = prompt.json
        b["n_predict"] = .number(Double(request.maxTokens))
        b["stop"] = [.string(request.stop)]
        b["seed"] = .number(Double(seed))
        b["cache_prompt"] = true
        b["return_tokens"] = true
        if wantsLogprobs(options) { b["n_probs"] = 1 }
        return .object(b)
    }

    func parse(_ answer: JSON, request: StepRequest) throws -> (samples: [StepSample], cost: GenerationCost) {
        guard let content = answer["content"]?.string else {
            throw HTTPGeneratorError(.badResponse, "no \"content\" in the answer")
        }
        // Recent servers say stop_type (eos | limit | word); older ones set stopped_* flags.
        let stopType = answer["stop_type"]?.string
            ?? (answer["stopped_word"] == true ? "word" : answer["stopped_limit"] == true ? "limit" : "eos")
        let (text, finish) = StopResolver.resolve(
            text: content, stop: request.stop, lengthLimited: stopType == "limit",
            stopFired: stopType == "word", pieces: nil)
        let tokens = answer["tokens"]?.tokenIDs
        let sample = StepSample(text: text, tokens: (tokens?.isEmpty ?? true) ? nil : tokens,
                                logprobs: logprobs(answer["completion_probabilities"]), finish: finish)
        let timings = answer["timings"]
        let generated = timings?["predicted_n"]?.int ?? answer["tokens_predicted"]?.int ?? tokens?.count ?? 0
        let evaluated = timings?["prompt_n"]?.int ?? answer["tokens_evaluated"]?.int ?? 0
        return ([sample], GenerationCost(generatedTokens: generated, forwardTokens: evaluated + generated))
    }

    /// Per-token logprobs: `logprob` in recent servers; older ones give post-sampling `probs`, of
    /// which the chosen token's is taken.
    private func logprobs(_ entries: JSON?) -> [Float]? {
        guard let entries = entries?.array, !entries.isEmpty else { return nil }
        var out: [Float] = []
        for e in entries {
            if let lp = e["logprob"]?.number {
                out.append(Float(lp))
            } else if let chosen = e["content"]?.string,
                      let p = e["probs"]?.array?.first(where: { $0["tok_str"]?.string == chosen })?["prob"]?.number {
                out.append(Float(Foundation.log(p)))
            } else {
                return nil
            }
        }
        return out
    }
}
