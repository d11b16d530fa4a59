// verifier-echo: the reference plugin and conformance fixture of Plugins/PROTOCOL.md.
//
// It exercises every method and capability deterministically. For each item:
// - answer: the last non-empty line of the completion, trimmed, without an "answer:" prefix;
// - status: `problem.fields.echo_status` if set; else `unparseable` when the reference is missing
//   (the plugin declares needsReference); else `ok`;
// - score: `problem.fields.echo_score` if set; else 1 when the answer equals the reference, else 0;
// - stepScores (kind "step" only): `problem.fields.echo_step_scores` if set, else 1 per step, and
//   score is then their minimum;
// - `problem.fields.echo_delay_ms`: sleep that long per item, watching for `$/cancel`
//   (cancelled items answer `status: timeout`, detail "cancelled");
// - `problem.fields.echo_fail`: the handler throws, so the item answers `status: error`.
// Options: --max-batch N (default 16), --concurrency N (default 4), --max-line-bytes N (default 64 MiB).
import Foundation
import StepTreePluginKit

struct EchoFailure: Error, CustomStringConvertible {
    var description: String
}

let arguments = PluginArguments(plugin: "verifier-echo")

func echoAnswer(_ completion: String) -> String {
    let last = completion.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.last { !$0.isEmpty } ?? ""
    return last.hasPrefix("answer:") ? last.dropFirst(7).trimmingCharacters(in: .whitespaces) : last
}

let capabilities = PluginCapabilities(
    kinds: [.outcome, .step], maxBatch: arguments.count("--max-batch", default: 16),
    maxConcurrentRequests: arguments.count("--concurrency", default: 4), needsReference: true, stepTag: "\n", deterministic: true)

let plugin = VerifierPlugin(name: "verifier-echo", version: "1.0", capabilities: capabilities,
                            maxLineBytes: arguments.count("--max-line-bytes", default: 64 << 20)) { item, context in
    let fields = item.fields
    if let delay = fields["echo_delay_ms"]?.int, delay > 0 {
        let deadline = Date().addingTimeInterval(Double(delay) / 1000)
        while Date() < deadline {
            if context.isCancelled { return ItemResult(id: item.id, status: .timeout, score: 0, detail: "cancelled") }
            usleep(2000)
        }
    }
    if let message = fields["echo_fail"]?.string { throw EchoFailure(description: message) }
    let answer = echoAnswer(item.completion)
    var status: ItemStatus = item.reference == nil ? .unparseable : .ok
    if let name = fields["echo_status"]?.string, let forced = ItemStatus(rawValue: name) { status = forced }
    var score = fields["echo_score"]?.number ?? (answer == item.reference ? 1 : 0)
    var stepScores: [Double]?
    if context.kind == .step {
        let scores = fields["echo_step_scores"]?.array?.compactMap(\.number) ?? Array(repeating: 1, count: item.steps.count)
        stepScores = scores
        score = scores.min() ?? score
    }
    let detail = item.reference.map { "echo: \(answer) vs \($0)" } ?? "echo: no reference"
    return ItemResult(id: item.id, status: status, score: status == .ok ? score : 0, stepScores: stepScores,
                      answer: answer, detail: detail)
}
exit(plugin.run())
