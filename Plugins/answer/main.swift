// verifier-answer: extracts the final answer of a finished completion and compares it with the
// reference answer. Extraction rules: AnswerExtractor; equivalence rules: AnswerEquivalence and
// README.md. Options: --pattern=REGEX (a PCRE2 pattern tried before the built-in rules; capture
// group 1 is the answer), --max-batch N (default 512: larger lines cost
// more in allocation than they save in round trips), --concurrency N (default: CPU count).
import Glibc
import StepTreePluginKit

let arguments = PluginArguments(plugin: "verifier-answer")

let extractor: AnswerExtractor
do {
    extractor = try AnswerExtractor(userPattern: arguments.value("--pattern"))
} catch {
    arguments.fail("\(error)")
}
let equivalence = AnswerEquivalence()
let capabilities = PluginCapabilities(
    kinds: [.outcome], maxBatch: arguments.count("--max-batch", default: 512),
    maxConcurrentRequests: arguments.count("--concurrency", default: max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))),
    needsReference: true, deterministic: true)

/// The reference answer itself, or the answer inside it when it is a whole solution (a MATH
/// `\boxed{}` or a GSM8K `####` line).
func referenceAnswer(_ reference: String) -> String {
    guard reference.utf8.contains(UInt8(ascii: "\\")) || reference.utf8.contains(UInt8(ascii: "#")) else { return reference }
    return extractor.extract(reference)?.answer ?? reference
}

let plugin = VerifierPlugin(name: "verifier-answer", version: "1.0", capabilities: capabilities) { item, _ in
    guard let reference = item.reference else {
        return ItemResult(id: item.id, status: .unparseable, score: 0, detail: "no reference answer")
    }
    guard let (answer, rule) = extractor.extract(item.completion) else {
        return ItemResult(id: item.id, status: .unparseable, score: 0, detail: "no final answer found")
    }
    let expected = referenceAnswer(reference)
    let equal = equivalence.equivalent(answer, expected)
    return ItemResult(id: item.id, status: .ok, score: equal ? 1 : 0, answer: answer,
                      detail: "\(rule): \(equal ? "equals" : "differs from") \(expected)")
}
exit(plugin.run())
