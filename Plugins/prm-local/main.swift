// verifier-prm-local: scores every step of reasoning paths with a GGUF process reward model run by
// StepTreeRuntime, reusing a tree-shaped KV cache so shared prefixes are computed once. README.md
// describes the two scoring conventions and the options.
import Foundation
import StepTreePluginKit
import StepTreeRuntime

func option(_ name: String) -> String? {
    let args = CommandLine.arguments
    if let i = args.firstIndex(of: name), i + 1 < args.count { return args[i + 1] }
    return args.first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
}

/// `\n`, `\t` and `\\` in a command-line tag become the characters.
func unescaped(_ s: String) -> String {
    s.replacingOccurrences(of: "\\\\", with: "\u{0}").replacingOccurrences(of: "\\n", with: "\n")
        .replacingOccurrences(of: "\\t", with: "\t").replacingOccurrences(of: "\u{0}", with: "\\")
}

let scorer: StepScorer
do {
    guard let path = option("--model") else { throw PRMError("--model PATH (a GGUF file) is required") }
    var convention: StepScorer.Convention?
    if let name = option("--convention") {
        guard let c = StepScorer.Convention(rawValue: name) else {
            throw PRMError("--convention \(name): expected math-shepherd or value-head")
        }
        convention = c
    }
    let model = try LanguageModel(path: path, threads: option("--threads").flatMap(Int.init) ?? 1)
    scorer = try StepScorer(model: model, convention: convention, stepTag: option("--step-tag").map(unescaped),
                            plus: option("--plus") ?? "+", minus: option("--minus") ?? "-",
                            maxRows: option("--max-rows").flatMap(Int.init) ?? 1 << 16,
                            reusesPrefixes: !CommandLine.arguments.contains("--no-prefix-reuse"))
    VerifierPlugin.log("verifier-prm-local: \(path), \(scorer.convention.rawValue), step tag \(scorer.stepTag.debugDescription)")
} catch {
    VerifierPlugin.log("verifier-prm-local: \(error)")
    exit(2)
}

let itemsPerPass = option("--items-per-pass").flatMap(Int.init).map { max(1, $0) } ?? 16

let capabilities = PluginCapabilities(
    kinds: [.step], maxBatch: option("--max-batch").flatMap(Int.init) ?? 64, maxConcurrentRequests: 1,
    needsReference: false, stepTag: scorer.stepTag, deterministic: true)

let plugin = VerifierPlugin(name: "verifier-prm-local", version: "1.0", capabilities: capabilities) { items, context in
    scorer.results(for: items, itemsPerPass: itemsPerPass, isCancelled: { context.isCancelled })
}
exit(plugin.run())
