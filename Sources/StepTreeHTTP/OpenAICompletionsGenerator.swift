import Foundation
import StepTreeCore

/// A `StepGenerator` over OpenAI-compatible `/v1/completions` (vLLM, SGLang, llama-cpp-python).
///
/// Sends the prefix as token ids when the server takes them and every step has them (the root
/// prompt tokenized once per problem through the server's `/tokenize`), else as text; asks for
/// `n` samples in one request when the capability record allows it, else fans out one request per
/// sample with seeds derived from `(seed, i)`; keeps the stop delimiter in the text
/// (`include_stop_str_in_output` / `no_stop_trim`, or re-appended); returns token ids and logprobs
/// when the server gives them.
public struct OpenAICompletionsGenerator: StepGenerator {
    private let engine: HTTPStepEngine<OpenAIWire>

    /// - Parameters:
    ///   - endpoints: server base URLs (e.g. `http://127.0.0.1:8000`), dispatched by least
    ///     outstanding requests.
    ///   - backend: the server's capability record: `.vllm` (default), `.sglang` or `.llamaCppPython`.
    ///   - options: model name, deadline, retries, in-flight limit, chat template, sampling overrides.
    public init(endpoints: [URL], backend: HTTPBackendCapabilities = .vllm, options: HTTPGeneratorOptions = .init()) {
        engine = HTTPStepEngine(wire: OpenAIWire(capabilities: backend), endpoints: endpoints, options: options)
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

/// Request and answer shapes of `/v1/completions` (ecosystem.md §1.1, §1.3, §1.6).
struct OpenAIWire: CompletionWire {
    let capabilities: HTTPBackendCapabilities
    var path: String { "/v1/completions" }

    func root(_ prompt: String, options: HTTPGeneratorOptions, transport: HTTPTransport,
              deadline: Date) async -> Result<RootPrompt, HTTPGeneratorError> {
        guard let tokenize = capabilities.tokenizePath, capabilities.tokenPrompts || options.useChatTemplate else {
            return .success(RootPrompt(text: prompt, tokens: nil))
        }
        var body: [String: JSON] = [:]
        body.set("model", options.model.map(JSON.string))
        if options.useChatTemplate {
            body["messages"] = [["role": "user", "content": .string(prompt)]]
            body["add_generation_prompt"] = true
        } else {
            body["prompt"] = .string(prompt)
            body["add_special_tokens"] = true
        }
        let tokens: [Int32]
        switch await transport.post(tokenize, .object(body), deadline: deadline) {
        case .failure(let e): return .failure(e)
        case .success(let answer):
            guard let t = answer["tokens"]?.tokenIDs else {
                return .failure(.init(.badResponse, "POST \(tokenize): no \"tokens\" array in the answer"))
            }
            tokens = t
        }
        guard options.useChatTemplate else { return .success(RootPrompt(text: prompt, tokens: tokens)) }
        // The rendered text, for prefixes whose steps lack token ids.
        let detokenize = tokenize.replacingOccurrences(of: "tokenize", with: "detokenize")
        var detok: [String: JSON] = ["tokens": .tokens(tokens)]
        detok.set("model", options.model.map(JSON.string))
        switch await transport.post(detokenize, .object(detok), deadline: deadline) {
        case .failure(let e): return .failure(e)
        case .success(let answer):
            guard let text = answer["prompt"]?.string else {
                return .failure(.init(.badResponse, "POST \(detokenize): no \"prompt\" string in the answer"))
            }
            return .success(RootPrompt(text: text, tokens: tokens))
        }
    }

    func body(prompt: PromptPayload, request: StepRequest, samples: Int, seed: Int,
              options: HTTPGeneratorOptions) -> JSON {
        var b = samplerFields(request.sampling, options: options)
        b.set("model", options.model.map(JSON.string))
        b["prompt"] = prompt.json
        b["max_tokens"] = .number(Double(request.maxTokens))
        b["stop"] = [.string(request.stop)]
        b["seed"] = .number(Double(seed))
        if capabilities.nativeSamples { b["n"] = .number(Double(samples)) }
        if let keep = capabilities.keepStopField { b[keep] = true }
        if wantsLogprobs(options) { b["logprobs"] = 1 }
        if capabilities.returnsTokens { b["return_token_ids"] = true }
        if options.useChatTemplate { b["add_special_tokens"] = false }
        return .object(b)
    }

    func parse(_ answer: JSON, request: StepRequest) throws -> (samples: [StepSample], cost: GenerationCost) {
        guard let choices = answer["choices"]?.array else {
            throw HTTPGeneratorError(.badResponse, "no \"choices\" array in the answer")
        }
        let ordered = choices.enumerated().sorted { ($0.element["index"]?.int ?? $0.offset) < ($1.element["index"]?.int ?? $1.offset) }
        let samples = try ordered.map { try sample($0.element, request: request) }
        let usage = answer["usage"]
        let generated = usage?["completion_tokens"]?.int ?? samples.reduce(0) { $0 + ($1.tokens?.count ?? 0) }
        let cached = usage?["prompt_tokens_details"]?["cached_tokens"]?.int ?? 0
        let prompt = usage?["prompt_tokens"]?.int ?? 0
        return (samples, GenerationCost(generatedTokens: generated, forwardTokens: prompt - cached + generated))
    }

    private func sample(_ choice: JSON, request: StepRequest) throws -> StepSample {
        guard let text = choice["text"]?.string else {
            throw HTTPGeneratorError(.badResponse, "a choice has no \"text\"")
        }
        let reason = choice["finish_reason"]?.string
        var stopFired: Bool?
        if capabilities.reportsStop {
            // vLLM: stop_reason; SGLang: matched_stop. A string is the stop string; null or a token
            // id is an end of sequence.
            let matched = choice["stop_reason"] ?? choice["matched_stop"]
            if case .string = matched { stopFired = true } else { stopFired = false }
        }
        let lp = choice["logprobs"]
        let pieces = lp?["tokens"]?.array?.compactMap(\.string)
        let (finalText, finish) = StopResolver.resolve(
            text: text, stop: request.stop, lengthLimited: reason == "length", stopFired: stopFired, pieces: pieces)
        return StepSample(text: finalText, tokens: choice["token_ids"]?.tokenIDs,
                          logprobs: lp?["token_logprobs"]?.floats, finish: finish)
    }
}
