// verifier-code: runs model-written Python programs against their tests in a bubblewrap sandbox.
//
// Items: HumanEval (`test` + `entry_point`), MBPP (`test_list`), or stdin/stdout (`tests` of
// {input, output}, or `input_output`); the program is the completion's last fenced code block, or
// prompt + completion. See Plugins/code/README.md for the sandbox layers and the statuses.
//
// Options: --workers N (parallel sandboxes, default: the number of cores), --max-batch N (items per
// request, default 1, so the host spreads a batch over the workers), --cpu-seconds N (5),
// --wall-seconds N (10), --memory-mb N (1024), --file-size-mb N (16), --processes N (32),
// --open-files N (64), --output-kb N (1024), --workdir-mb N (64), --python PATH (/usr/bin/python3),
// --bwrap PATH (/usr/bin/bwrap), --unsafe-no-sandbox (run without namespaces when bubblewrap
// cannot create them; without it the plugin refuses to run code there).
import StepTreeCodeVerifier
import Foundation
import StepTreePluginKit

let arguments = PluginArguments(plugin: "verifier-code")

let limits = SandboxLimits(
    cpuSeconds: arguments.count("--cpu-seconds", default: 5), wallSeconds: Double(arguments.count("--wall-seconds", default: 10)),
    memoryBytes: arguments.count("--memory-mb", default: 1024) << 20, fileSizeBytes: arguments.count("--file-size-mb", default: 16) << 20,
    openFiles: arguments.count("--open-files", default: 64), processes: arguments.count("--processes", default: 32),
    outputBytes: arguments.count("--output-kb", default: 1024) << 10, workDirBytes: arguments.count("--workdir-mb", default: 64) << 20)
var sandbox = Sandbox(python: arguments.value("--python") ?? Sandbox.defaultPython, limits: limits,
                      bwrap: arguments.value("--bwrap") ?? "/usr/bin/bwrap")
let unsafeAllowed = arguments.flag("--unsafe-no-sandbox")

// The mode is decided once, by running a real program in the real sandbox.
let refusal: String?
let mode: String
if let problem = sandbox.probe() {
    if unsafeAllowed {
        sandbox.isolation = .none
        refusal = nil
        mode = "UNSAFE: no sandbox (\(problem))"
        VerifierPlugin.log("verifier-code: WARNING: bubblewrap unavailable (\(problem)); --unsafe-no-sandbox given, "
            + "running untrusted code with rlimits only")
    } else {
        refusal = "sandbox unavailable (\(problem)); refusing to run untrusted code (--unsafe-no-sandbox overrides)"
        mode = "refusing: " + refusal!
        VerifierPlugin.log("verifier-code: " + refusal!)
    }
} else {
    refusal = nil
    mode = "sandbox: bubblewrap"
}

let verifier = CodeVerifier(sandbox: sandbox)
let workers = arguments.count("--workers", default: ProcessInfo.processInfo.activeProcessorCount)
let capabilities = PluginCapabilities(kinds: [.outcome], maxBatch: arguments.count("--max-batch", default: 1),
                                      maxConcurrentRequests: workers, needsReference: false, deterministic: true)
// The sandbox mode travels in serverInfo.version: PluginCapabilities has no free-form member.
let plugin = VerifierPlugin(name: "verifier-code", version: "1.0 (\(mode))", capabilities: capabilities) { item, context in
    if let refusal { return ItemResult(id: item.id, status: .error, score: 0, detail: refusal) }
    if context.isCancelled { return ItemResult(id: item.id, status: .timeout, score: 0, detail: "cancelled") }
    return try verifier.judge(item)
}
exit(plugin.run())
