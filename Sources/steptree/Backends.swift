import ArgumentParser
import Foundation
import StepTreeCore
import StepTreePluginHost
import StepTreeHTTP
import StepTreeRuntime

// The one place where `--generator`, `--verifier` and `--judge` specs become objects.

/// A parsed `--generator` spec.
enum GeneratorSpec: Equatable {
    /// `embedded:FILE.gguf`: the embedded runtime (StepTreeRuntime).
    case embedded(path: String)
    /// `openai:URL[,URL...]` (vLLM), `sglang:URL`, `llama-cpp-python:URL`: an OpenAI-compatible
    /// `/v1/completions` server, with the capability record of that server.
    case openai([URL], HTTPBackendCapabilities)
    /// `llamacpp:URL[,URL...]`: llama.cpp's native `/completion`.
    case llamacpp([URL])
    /// `ollama:URL[,URL...]`: Ollama's `/api/generate` with `raw`.
    case ollama([URL])
    /// `random:[branching=B,depth=D,answers=A,tokens=T]`: the zero-latency random generator.
    case random(RandomGenerator.Options)

    /// Parses a spec.
    /// - Throws: `ValidationError` naming the spec and what is wrong with it.
    init(parsing spec: String) throws {
        guard let colon = spec.firstIndex(of: ":") else {
            throw ValidationError("generator '\(spec)': expected KIND:ARGUMENT (embedded:FILE.gguf, openai:URL, sglang:URL, llama-cpp-python:URL, llamacpp:URL, ollama:URL, random:)")
        }
        let kind = String(spec[..<colon]), arg = String(spec[spec.index(after: colon)...])
        func urls() throws -> [URL] {
            let parts = arg.split(separator: ",").map(String.init)
            guard !parts.isEmpty else { throw ValidationError("generator '\(spec)': no URL") }
            return try parts.map { s in
                guard let u = URL(string: s), let scheme = u.scheme, ["http", "https"].contains(scheme), u.host != nil else {
                    throw ValidationError("generator '\(spec)': '\(s)' is not an http(s) URL")
                }
                return u
            }
        }
        switch kind {
        case "embedded":
            guard !arg.isEmpty else { throw ValidationError("generator '\(spec)': no model file") }
            self = .embedded(path: arg)
        case "openai", "vllm": self = .openai(try urls(), .vllm)
        case "sglang": self = .openai(try urls(), .sglang)
        case "llama-cpp-python": self = .openai(try urls(), .llamaCppPython)
        case "llamacpp": self = .llamacpp(try urls())
        case "ollama": self = .ollama(try urls())
        case "random":
            var o = RandomGenerator.Options()
            for part in arg.split(separator: ",") where !part.isEmpty {
                let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2, let v = Int(kv[1]), v > 0 else {
                    throw ValidationError("generator '\(spec)': '\(part)' is not KEY=POSITIVE-INTEGER")
                }
                switch kv[0] {
                case "branching": o.branching = v
                case "depth": o.depth = v
                case "answers": o.answers = v
                case "tokens": o.tokensPerStep = v
                default: throw ValidationError("generator '\(spec)': unknown key '\(kv[0])' (branching, depth, answers, tokens)")
                }
            }
            self = .random(o)
        default:
            throw ValidationError("generator '\(spec)': unknown kind '\(kind)' (embedded, openai, vllm, sglang, llama-cpp-python, llamacpp, ollama, random)")
        }
    }
}

/// A backend or plugin this build cannot provide.
struct BackendUnavailable: Error, CustomStringConvertible {
    let description: String
}

/// Makes the generator a spec names.
/// - Throws: `BackendUnavailable` for backends not linked into this build.
func makeGenerator(_ spec: GeneratorSpec) throws -> any StepGenerator {
    switch spec {
    case .random(let options):
        return RandomGenerator(options: options)
    case .embedded(let path):
        return try EmbeddedGenerator(modelPath: path)
    case .openai(let urls, let backend):
        return OpenAICompletionsGenerator(endpoints: urls, backend: backend)
    case .llamacpp(let urls):
        return LlamaServerGenerator(endpoints: urls)
    case .ollama(let urls):
        return OllamaGenerator(endpoints: urls, options: .init())
    }
}

/// Guiding evaluators and the judge of one run, with their shutdown.
struct EvaluatorSet {
    var guiding: [any Evaluator]
    var judge: (any Evaluator)?

    /// Names and versions for the run fingerprint.
    var fingerprintNames: [String] { guiding.map { "\($0.capabilities.name)@\($0.capabilities.version)" } }

    /// Stops plugin processes (a no-op for in-process evaluators).
    func shutdown() async {
        for e in guiding + [judge].compactMap({ $0 }) { await (e as? PluginEvaluator)?.shutdown() }
    }

    /// One line per plugin: requests, restarts, timeouts (for the run summary).
    var pluginStatistics: [String] {
        (guiding + [judge].compactMap({ $0 })).compactMap { e in
            (e as? PluginEvaluator).map { "\($0.capabilities.name): \($0.statistics)" }
        }
    }
}

/// Makes one evaluator from a `--verifier` / `--judge` name. Built in: `random` (outcome:
/// the `answer:` line equals the reference) and `random-step` (also scores steps, rejecting
/// one in five) — zero-latency evaluators for smoke tests and the engine benchmark.
/// Anything else is a verifier plugin, `NAME[:ARGS]` (see Plugins/PROTOCOL.md for discovery).
func makeEvaluator(_ spec: String) async throws -> any Evaluator {
    switch spec {
    case "random": return RandomEvaluator(kinds: [.outcome])
    case "random-step": return RandomEvaluator(kinds: [.step, .outcome], rejectOneIn: 5)
    default: return try await PluginEvaluator.launch(spec)
    }
}

/// Makes the guiding evaluators and the judge.
func makeEvaluators(verifiers: [String], judge: String?) async throws -> EvaluatorSet {
    var guiding: [any Evaluator] = []
    for v in verifiers { guiding.append(try await makeEvaluator(v)) }
    var judging: (any Evaluator)? = nil
    if let judge { judging = try await makeEvaluator(judge) }
    return EvaluatorSet(guiding: guiding, judge: judging)
}
