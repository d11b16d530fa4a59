import ArgumentParser
import Foundation
import StepTreeCore
import StepTreeRuntime

/// `steptree bench runtime`: the embedded runtime next to llama-cpp-python on the same GGUF files
/// and thread count: single-sequence decode and prefill tokens/s, a search-tree workload (root →
/// 8 children → 64 leaves), forward-token counts and peak memory. Each model and each side runs
/// in its own process so peak memory is per model.
struct BenchRuntimeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime",
        abstract: "Embedded runtime vs llama-cpp-python: decode, prefill, tree workload, memory.")

    @Option(name: .customLong("model"), help: "GGUF models (default: the Countdown model and random 135M F16 and Q8_0 models).")
    var models: [String] = []

    @Option(help: "Threads for both sides.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Tokens per step in the tree workload.")
    var stepTokens = 32

    @Option(help: "Tokens decoded in the single-sequence measurement.")
    var decodeTokens = 128

    @Flag(help: "Only the Countdown model (skip writing the random 135M models).")
    var countdownOnly = false

    @Option(help: .hidden)
    var worker: String?

    func run() async throws {
        BLASSettings.relaunchWithSkylakeXIfBeneficial()
        if let worker {
            let figures = try await measure(worker)
            print(String(decoding: try JSONEncoder().encode(figures), as: UTF8.self))
            return
        }
        let folder = NSTemporaryDirectory() + "steptree-bench"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let scriptPaths = try writeScripts(folder)
        var paths = models
        if paths.isEmpty {
            paths = ["Examples/countdown/policy.gguf"]
            if !countdownOnly {
                for kind in ["f16", "q8_0"] {
                    let path = "\(folder)/random-llama-135m-\(kind).gguf"
                    if !FileManager.default.fileExists(atPath: path) {
                        print("writing \(path) with the gguf package ...")
                        _ = try runProcess("/usr/bin/env", ["python3", scriptPaths.maker, path, kind])
                    }
                    paths.append(path)
                }
            }
        }
        let hasLlamaCpp = (try? runProcess("/usr/bin/env", ["python3", "-c", "import llama_cpp"], quiet: true)) != nil
        if !hasLlamaCpp { print("llama-cpp-python is not installed: printing the embedded runtime's figures only") }
        print("threads \(threads), OPENBLAS_CORETYPE=\(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "(unset)"), "
              + "tree: 1 prompt → 8 children → 64 leaves, \(stepTokens) tokens per step")
        for path in paths {
            let ours = try JSONDecoder().decode(Figures.self, from: Data(try runProcess(
                CommandLine.arguments[0], ["bench", "runtime", "--worker", path, "--threads", "\(threads)",
                                           "--step-tokens", "\(stepTokens)", "--decode-tokens", "\(decodeTokens)"]).utf8))
            var theirs: LlamaFigures?
            if hasLlamaCpp {
                let config: [String: Any] = [
                    "model": path, "threads": threads, "n_ctx": ours.context, "prefill_text": ours.prefillText,
                    "decode_text": ours.decodeText, "decode_tokens": decodeTokens, "tree_text": ours.treeText,
                    "step_tokens": stepTokens, "children": 8,
                ]
                let json = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
                let output = try runProcess("/usr/bin/env", ["python3", scriptPaths.llama, json])
                theirs = try JSONDecoder().decode(LlamaFigures.self, from: Data(output.split(separator: "\n").last!.utf8))
            }
            report(path, ours, theirs)
        }
    }

    struct Figures: Codable {
        var context: Int
        var prefillText, decodeText, treeText: String
        var prefillTokens: Int
        var prefillTPS, decodeTPS, treeSeconds: Double
        var treeForwardTokens, treeUniqueTokens, peakRSSBytes, cacheBytes: Int
    }

    struct LlamaFigures: Codable {
        var prefill_tps, decode_tps, tree_seconds: Double
        var prefill_tokens, tree_forward_tokens, tree_unique_tokens, peak_rss_bytes: Int
    }

    /// Runs in the worker process: the three workloads on one model.
    func measure(_ path: String) async throws -> Figures {
        let generator = try EmbeddedGenerator(modelPath: path, options: .init(threads: threads, maxBatch: 64, cacheBytes: 2 << 30))
        let context = generator.model.config.context
        func text(_ n: Int, _ salt: Int) -> String {
            String((0..<n).map { i in Character(UnicodeScalar(UInt8(97 + (i * 7 + salt) % 26))) })
        }
        func request(_ id: RequestID, _ prefix: [PrefixSegment], samples: Int, maxTokens: Int, temperature: Double, seed: UInt64) -> StepRequest {
            StepRequest(id: id, prefix: prefix, samples: samples, sampling: .init(temperature: temperature),
                        stop: "", maxTokens: maxTokens, seed: seed)
        }
        // Prefill: one long prompt, one sampled token (never fed back).
        let prefillLength = min(256, context * 3 / 4)
        let prefillText = text(prefillLength - 1, 1)
        var start = Date()
        let prefill = try await generator.generate([request(1, [PrefixSegment(text: prefillText, key: .init(problem: 1, node: 0))],
                                                              samples: 1, maxTokens: 1, temperature: 0, seed: 0)])[0]
        let prefillTPS = Double(prefill.cost.forwardTokens) / Date().timeIntervalSince(start)

        // Decode: a cached 32-token prompt, then `decodeTokens` greedy tokens, one sequence.
        let decodeText = text(31, 2)
        let decodePrefix = [PrefixSegment(text: decodeText, key: .init(problem: 2, node: 0))]
        _ = try await generator.generate([request(2, decodePrefix, samples: 1, maxTokens: 1, temperature: 0, seed: 0)])
        start = Date()
        let decoded = try await generator.generate([request(3, decodePrefix, samples: 1, maxTokens: decodeTokens + 1, temperature: 0, seed: 0)])[0]
        let decodeTPS = Double(decoded.cost.forwardTokens) / Date().timeIntervalSince(start)

        // Tree: root expanded into 8 children, then all 8 children expanded together into 64 leaves.
        let treeText = text(31, 3)
        let root = PrefixSegment(text: treeText, key: .init(problem: 3, node: 0))
        let before = generator.statistics.forwardTokens
        start = Date()
        let level1 = try await generator.generate([request(4, [root], samples: 8, maxTokens: stepTokens, temperature: 1, seed: 1)])[0]
        let children = level1.samples.enumerated().map { i, s in
            PrefixSegment(text: s.text, tokens: s.tokens, key: .init(problem: 3, node: UInt32(i + 1)))
        }
        let leaves = try await generator.generate(children.enumerated().map { i, child in
            request(RequestID(10 + i), [root, child], samples: 8, maxTokens: stepTokens, temperature: 1, seed: UInt64(100 + i))
        })
        let treeSeconds = Date().timeIntervalSince(start)
        let unique = generator.model.tokenizer.encode(treeText).count + level1.cost.generatedTokens
            + leaves.reduce(0) { $0 + $1.cost.generatedTokens }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Figures(context: context, prefillText: prefillText, decodeText: decodeText, treeText: treeText,
                       prefillTokens: prefill.cost.forwardTokens, prefillTPS: prefillTPS, decodeTPS: decodeTPS,
                       treeSeconds: treeSeconds, treeForwardTokens: generator.statistics.forwardTokens - before,
                       treeUniqueTokens: unique, peakRSSBytes: usage.ru_maxrss * 1024, cacheBytes: generator.statistics.cacheBytes)
    }

    func report(_ path: String, _ ours: Figures, _ theirs: LlamaFigures?) {
        func f(_ x: Double) -> String { String(format: "%.1f", x) }
        func mib(_ n: Int) -> String { String(format: "%.0f MiB", Double(n) / 1048576) }
        print("\n== \(URL(fileURLWithPath: path).lastPathComponent)")
        print("                         steptree      llama.cpp     ratio")
        func row(_ name: String, _ a: Double, _ b: Double?, higherIsBetter: Bool = true) {
            let ratio = b.map { String(format: "%.2fx", higherIsBetter ? a / $0 : $0 / a) } ?? "-"
            print(name.padding(toLength: 25, withPad: " ", startingAt: 0)
                  + f(a).padding(toLength: 14, withPad: " ", startingAt: 0)
                  + (b.map(f) ?? "-").padding(toLength: 14, withPad: " ", startingAt: 0) + ratio)
        }
        row("decode tokens/s", ours.decodeTPS, theirs?.decode_tps)
        row("prefill tokens/s (\(ours.prefillTokens))", ours.prefillTPS, theirs?.prefill_tps)
        row("tree workload seconds", ours.treeSeconds, theirs?.tree_seconds, higherIsBetter: false)
        print("tree forward tokens      \(ours.treeForwardTokens) of \(ours.treeUniqueTokens) unique ("
              + String(format: "%.3f", Double(ours.treeForwardTokens) / Double(ours.treeUniqueTokens)) + "x)"
              + (theirs.map { "   llama.cpp \($0.tree_forward_tokens) of \($0.tree_unique_tokens)" } ?? ""))
        print("peak memory (RSS)        \(mib(ours.peakRSSBytes))" + (theirs.map { "       \(mib($0.peak_rss_bytes))" } ?? "")
              + "   (steptree KV cache at the end: \(mib(ours.cacheBytes)))")
    }

    private func writeScripts(_ folder: String) throws -> (maker: String, llama: String) {
        let maker = "\(folder)/make_random_llama.py", llama = "\(folder)/llama_cpp_side.py"
        try BenchRuntimeScripts.makeRandomLlama.write(toFile: maker, atomically: true, encoding: .utf8)
        try BenchRuntimeScripts.llamaCppSide.write(toFile: llama, atomically: true, encoding: .utf8)
        return (maker, llama)
    }

    /// Runs a program to completion; returns its standard output, throws on a non-zero exit.
    private func runProcess(_ executable: String, _ arguments: [String], quiet: Bool = false) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        if quiet { process.standardError = FileHandle.nullDevice }
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(executable) \(arguments.prefix(3).joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
