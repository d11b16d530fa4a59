import ArgumentParser
import Foundation
import StepTreeCore
import StepTreeRuntime

/// `steptree generate MODEL.gguf --prompt ...`: a quick look at what the embedded runtime samples.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Sample continuations of a prompt with the embedded CPU runtime (GGUF).")

    @Argument(help: "A GGUF model file.")
    var model: String

    @Option(help: "The prompt text; \\n stands for a newline. BOS is added when the model asks for it.")
    var prompt: String

    @Option(help: "Stop at this string (included in the output; \\n stands for a newline); empty: none.")
    var stop: String = ""

    @Option(help: "Most tokens per sample.")
    var maxTokens = 128

    @Option(help: "Number of samples (decoded together in one batch).")
    var samples = 1

    @Option(help: "Temperature; 0 is greedy.")
    var temperature = 0.0

    @Option(help: "Top-k (0: off).")
    var topK = 0

    @Option(help: "Top-p (1: off).")
    var topP = 1.0

    @Option(help: "Min-p (0: off).")
    var minP = 0.0

    @Option(help: "Seed of the request (sample i uses stream i).")
    var seed: UInt64 = 0

    @Option(help: "Threads for OpenBLAS and attention.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    func run() async throws {
        BLASSettings.relaunchWithSkylakeXIfBeneficial()
        let generator = try EmbeddedGenerator(modelPath: model, options: .init(threads: threads))
        let request = StepRequest(
            id: 1, prefix: [PrefixSegment(text: prompt.replacingOccurrences(of: "\\n", with: "\n"), key: SegmentKey(problem: 0, node: 0))],
            samples: samples, sampling: .init(temperature: temperature, topK: topK, topP: topP, minP: minP),
            stop: stop.replacingOccurrences(of: "\\n", with: "\n"), maxTokens: maxTokens, seed: seed)
        let start = Date()
        let result = try await generator.generate([request])[0]
        let seconds = Date().timeIntervalSince(start)
        if let failure = result.failure { throw ValidationError(failure) }
        for (i, s) in result.samples.enumerated() {
            let mean = s.meanLogprob.map { String(format: "%.3f", $0) } ?? "-"
            print("--- sample \(i): \(s.tokens?.count ?? 0) tokens, finish \(s.finish.rawValue), mean logprob \(mean)")
            print(s.text)
        }
        let stats = generator.statistics
        print(String(format: "--- %d tokens generated, %d run through the model, %.2f s (%.1f generated tokens/s), KV cache %d rows",
                     result.cost.generatedTokens, result.cost.forwardTokens, seconds,
                     Double(result.cost.generatedTokens) / max(seconds, 1e-9), stats.cachedRows))
    }
}
