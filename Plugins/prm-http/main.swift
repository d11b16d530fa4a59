// verifier-prm-http: scores every step of reasoning paths with a process reward model served by
// vLLM's `/pooling` endpoint (Qwen2.5-Math-PRM or Math-Shepherd; README.md). Runs a self-test at
// start-up and exits with status 2 when it fails.
// Options: --url URL (required), --preset qwen|math-shepherd, --config FILE.json (members override
// the preset), --model NAME, --max-batch N (default 32), --concurrency N (default 4),
// --timeout SECONDS (default 60), --skip-self-test.
import Foundation
import StepTreePluginKit

let arguments = PluginArguments(plugin: "verifier-prm-http")

let client: PoolingClient
do {
    guard let url = arguments.value("--url") else { throw PRMHTTPError("--url http://HOST:PORT (the vLLM server) is required") }
    var config = try PRMServerConfig.preset(arguments.value("--preset") ?? "qwen")
    if let path = arguments.value("--config") {
        guard let data = FileManager.default.contents(atPath: path) else { throw PRMHTTPError("--config \(path): cannot read") }
        var json = try JSON.parse(Array(data))
        if case .object(var members) = json, members["preset"] == nil, let preset = arguments.value("--preset") {
            members["preset"] = .string(preset)
            json = .object(members)
        }
        config = try PRMServerConfig.from(json: json, source: path)
    }
    if let model = arguments.value("--model") { config.model = model }
    client = try PoolingClient(base: url, config: config, timeout: arguments.positive("--timeout", default: 60))
    if !arguments.flag("--skip-self-test") { try client.selfTest() }
    VerifierPlugin.log("verifier-prm-http: \(client.url), model \(config.model), column \(config.positiveColumn), "
        + "step tag \(config.stepTag.debugDescription)")
} catch {
    arguments.fail("\(error)")
}

let capabilities = PluginCapabilities(
    kinds: [.step], maxBatch: arguments.count("--max-batch", default: 32),
    maxConcurrentRequests: arguments.count("--concurrency", default: 4),
    needsReference: false, stepTag: client.config.stepTag, deterministic: true)

let plugin = VerifierPlugin(name: "verifier-prm-http", version: "1.0", capabilities: capabilities) { item, _ in
    guard !item.steps.isEmpty else { return ItemResult(id: item.id, status: .unparseable, score: 0, detail: "no steps to score") }
    let scores = try client.stepScores(prompt: item.prompt, steps: item.steps)
    return ItemResult(id: item.id, status: .ok, score: scores.min()!, stepScores: scores)
}
exit(plugin.run())
