// verifier-prm-local: scores every step of reasoning paths with a GGUF process reward model run by
// StepTreeRuntime, reusing a tree-shaped KV cache so shared prefixes are computed once. README.md
// describes the two scoring conventions and the options.
import Foundation
import StepTreePluginKit
import StepTreeRuntime

let arguments = PluginArguments(plugin: "verifier-prm-local")

/// `\n`, `\t` and `\\` in a command-line tag become the characters.
func unescaped(_ s: String) -> String {
    s.replacingOccurrences(of: "\\\\", with: "\u{0}").replacingOccurrences(of: "\\n", with: "\n")
        .replacingOccurrences(of: "\\t", with: "\t").replacingOccurrences(of: "\u{0}", with: "\\")
}

let scorer: StepScorer
do {
    guard let path = arguments.value("--model") else { throw PRMError("--model PATH (a GGUF file) is required") }
    var convention: StepScorer.Convention?
    if let name = arguments.value("--convention") {
        guard let c = StepScorer.Convention(rawValue: name) else {
            throw PRMError("--convention \(name): expected math-shepherd or value-head")
        }
        convention = c
    }
    let model = try LanguageModel(path: path, threads: arguments.count("--threads", default: 1))
    scorer = try StepScorer(model: model, convention: convention, stepTag: arguments.value("--step-tag").map(unescaped),
                            plus: arguments.value("--plus") ?? "+", minus: arguments.value("--minus") ?? "-",
                            maxRows: arguments.count("--max-rows", default: 1 << 16),
                            reusesPrefixes: !arguments.flag("--no-prefix-reuse"))
    VerifierPlugin.log("verifier-prm-local: \(path), \(scorer.convention.rawValue), step tag \(scorer.stepTag.debugDescription)")
} catch {
    arguments.fail("\(error)")
}

let itemsPerPass = arguments.count("--items-per-pass", default: 16)

let capabilities = PluginCapabilities(
    kinds: [.step], maxBatch: arguments.count("--max-batch", default: 64), maxConcurrentRequests: 1,
    needsReference: false, stepTag: scorer.stepTag, deterministic: true)

let plugin = VerifierPlugin(name: "verifier-prm-local", version: "1.0", capabilities: capabilities) { items, context in
    scorer.results(for: items, itemsPerPass: itemsPerPass, isCancelled: { context.isCancelled })
}
exit(plugin.run())
