import Foundation
import StepTreeCore

/// A `StepGenerator` over Ollama's native `/api/generate` with `raw: true` (the prompt is sent
/// as is, no template). Text prompts only, one completion per request (samples fan out with
/// seeds derived from `(seed, i)`), the stop string re-appended. Ollama says `done_reason: "stop"`
/// for both a stop string and the end of sequence; the per-token logprobs tell them apart, so the
/// adapter always asks for them (a server too old to return them makes every "stop" a delimiter).
public struct OllamaGenerator: StepGenerator {
    private let engine: HTTPStepEngine<OllamaWire>

    /// - Parameters:
    ///   - endpoints: Ollama base URLs (e.g. `http://127.0.0.1:11434`).
    ///   - options: `model` is required by Ollama; deadline, retries, in-flight limit, sampling.
    public init(endpoints: [URL], options: HTTPGeneratorOptions) {
        engine = HTTPStepEngine(wire: OllamaWire(), endpoints: endpoints, options: options)
    }

    public var capabilities: GeneratorCapabilities { engine.capabilities(model: engine.options.model ?? "") }

    /// Traffic counters (attempts, retries, failures, most in flight).
    public var statistics: HTTPTransportStatistics { engine.transport.pool.statistics }

    public func generate(_ requests: [StepRequest]) async throws -> [StepResult] {
        await engine.generate(requests)
    }
}

/// Request and answer shapes of Ollama's `/api/generate` (ecosystem.md §1.6).
struct OllamaWire: CompletionWire {
    var capabilities: HTTPBackendCapabilities { .ollama }
    var path: String { "/api/generate" }

    func root(_ prompt: String, options: HTTPGeneratorOptions, transport: HTTPTransport,
              deadline: Date) async -> Result<RootPrompt, HTTPGeneratorError> {
        .success(RootPrompt(text: prompt, tokens: nil))
    }

    func body(prompt: PromptPayload, request: StepRequest, samples: Int, seed: Int,
              options: HTTPGeneratorOptions) -> JSON {
        var o = samplerFields(request.sampling, options: options)
        o["num_predict"] = .number(Double(request.maxTokens))
        o["stop"] = [.string(request.stop)]
        o["seed"] = .number(Double(seed))
        var b: [String: JSON] = ["prompt": prompt.json, "raw": true, "stream": false, "options": .object(o)]
        b["model"] = .string(options.model ?? "")
        if wantsLogprobs(options) { b["logprobs"] = true }
        return .object(b)
    }

    func parse(_ answer: JSON, request: StepRequest) throws -> (samples: [StepSample], cost: GenerationCost) {
        guard let response = answer["response"]?.string else {
            throw HTTPGeneratorError(.badResponse, "no \"response\" in the answer")
        }
        let entries = answer["logprobs"]?.array
        let (text, finish) = StopResolver.resolve(
            text: response, stop: request.stop, lengthLimited: answer["done_reason"]?.string == "length",
            stopFired: nil, pieces: entries?.compactMap { $0["token"]?.string })
        let logprobs = entries.map { $0.compactMap { $0["logprob"]?.number.map(Float.init) } }
        let generated = answer["eval_count"]?.int ?? 0
        let prompt = answer["prompt_eval_count"]?.int ?? 0
        return ([StepSample(text: text, logprobs: logprobs, finish: finish)],
                GenerationCost(generatedTokens: generated, forwardTokens: prompt + generated))
    }
}
