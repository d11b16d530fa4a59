import ArgumentParser
import Foundation
import StepTreeCore
import StepTreeRuntime
import StepTreeStore

/// `steptree search PROBLEMS --out TREES ...`: guided tree search over a problem file.
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search every problem of a JSONL file and append one tree per problem to a tree file.",
        discussion: """
            Example (the offline Countdown showcase):
              steptree search Examples/countdown/problems-test.jsonl \\
                --generator embedded:Examples/countdown/policy.gguf \\
                --verifier countdown --out trees.jsonl

            The preset (countdown, gsm8k, math, math500, humaneval, mbpp) is inferred from the first \
            line's fields unless --preset or --field mappings are given. Verifiers guide the search \
            (step verifiers score and prune new steps; outcome verifiers judge finished paths); \
            --judge grades only the final chosen answer. Accuracy = solved / judged; verdicts that \
            timed out or errored are never counted as wrong.

            Search with a PRM (a step verifier: prm-local, prm-http):
              steptree search Examples/countdown/problems-test.jsonl \\
                --generator embedded:Examples/countdown/policy.gguf \\
                --verifier "prm-local:--model Examples/countdown/prm.gguf" \\
                --judge countdown --strategy beam --out trees.jsonl

            The PRM scores every new step, finished ones included (a node's score is its last \
            step's score; --prune-below T drops steps scored below T). beam ranks candidates and \
            dvts picks each subtree's next step by the aggregated step scores of their paths \
            (--step-aggregation last|min|product; min is PURE's min-form); best-of-n chooses by \
            --aggregation prm-* (default prm-last-max with a PRM); mcts backs the PRM's step score \
            up as each expanded leaf's value (--leaf-value, default prm when no outcome verifier \
            guides) and a finished leaf's value is its PRM score. Without an outcome verifier the \
            final answer is the finished path with the best aggregated PRM score, and --judge \
            only grades it. beam and dvts can cut weak candidates mid-step with --early-reject-tokens.

            \(ExitCodes.help)
            """)

    @Argument(help: "Problem file (JSONL).")
    var problems: String

    @Option(help: "Tree file to append to (schema steptree.tree/1).")
    var out: String

    @Option(help: "Problem preset: \(ProblemPreset.all.map(\.name).joined(separator: ", ")). Default: inferred.")
    var preset: String?

    @Option(name: .customLong("field"), help: "Field mapping KEY=FIELD (keys id, prompt, reference, marker); repeatable.")
    var fields: [String] = []

    @Option(help: "Prompt template file with {prompt} and {FIELD} placeholders.")
    var template: String?

    @Flag(name: .customLong("skip-invalid"), help: "Skip malformed problem lines (and report their count) instead of failing.")
    var skipInvalid = false

    @OptionGroup(title: "Strategy")
    var strategy: StrategyOptions

    @Option(help: "embedded:FILE.gguf | openai:URL[,URL...] (vLLM) | sglang:URL[,...] | llama-cpp-python:URL[,...] | llamacpp:URL[,...] (llama-server) | ollama:URL[,...] | random:[branching=B,depth=D,...]")
    var generator: String

    @Option(name: .customLong("verifier"), help: "A guiding verifier (plugin name such as countdown or answer:--pattern=...); repeatable.")
    var verifiers: [String] = []

    @Option(help: "A verifier that only grades the final chosen answer (default: the guiding outcome verifier).")
    var judge: String?

    @Option(name: .customLong("budget-expansions"), help: "Generator requests per problem at most.")
    var budgetExpansions: Int?

    @Option(name: .customLong("budget-tokens"), help: "Generated tokens per problem at most.")
    var budgetTokens: Int?

    @Option(name: .customLong("budget-seconds"), help: "Wall-clock seconds per problem at most.")
    var budgetSeconds: Double?

    @Option(help: "Sampling temperature (0.8: search-and-learn).")
    var temperature: Double = 0.8

    @Option(name: .customLong("top-k"), help: "Top-k sampling; 0 disables.")
    var topK: Int = 0

    @Option(name: .customLong("top-p"), help: "Nucleus sampling mass; 1 disables.")
    var topP: Double = 1

    @Option(name: .customLong("min-p"), help: "Min-p sampling; 0 disables.")
    var minP: Double = 0

    @Option(help: "Step delimiter (escapes \\n, \\t).")
    var stop: String = "\\n"

    @Option(name: .customLong("step-max-tokens"), help: "Tokens per step at most.")
    var stepMaxTokens: Int = 256

    @Option(name: .customLong("max-depth"), help: "Steps per path at most.")
    var maxDepth: Int = 32

    @Option(name: .customLong("prune-below"), help: "Prune steps whose step score is below this (a score of 0 always prunes).")
    var pruneBelow: Double = 0

    @Option(help: "Run seed (every request's seed derives from it, the problem id and the node).")
    var seed: UInt64 = 0

    @Option(help: "Problems searched at once.")
    var concurrency: Int = 32

    @Option(name: .customLong("max-in-flight"), help: "Generator requests in flight over all problems (default: the backend's recommendation).")
    var maxInFlight: Int?

    @Option(name: .customLong("tree-in-flight"), help: "Pending expansions per tree (MCTS leaves under virtual loss).")
    var treeInFlight: Int = 8

    @Flag(help: "Continue the tree file: skip problems already written by the same run; refuse another run's file.")
    var resume = false

    @Flag(help: "Replace an existing tree file instead of refusing (not with --resume).")
    var overwrite = false

    @Option(help: "Shard i/n: search the problems whose file position p has p mod n == i.")
    var shard: String?

    @Option(name: .customLong("summary-json"), help: "Also write the final summary as JSON to this file.")
    var summaryJSON: String?

    @Flag(name: .customLong("no-progress"), help: "No progress line, even on a terminal.")
    var noProgress = false

    func parseShard() throws -> (index: Int, count: Int)? {
        guard let shard else { return nil }
        let parts = shard.split(separator: "/").compactMap { Int($0) }
        guard parts.count == 2, parts[1] > 0, parts[0] >= 0, parts[0] < parts[1] else {
            throw ValidationError("--shard '\(shard)' is not i/n with 0 <= i < n")
        }
        return (parts[0], parts[1])
    }

    func validate() throws {
        _ = try parseShard()
        _ = try GeneratorSpec(parsing: generator)
        for (name, v) in [("--concurrency", concurrency), ("--tree-in-flight", treeInFlight), ("--step-max-tokens", stepMaxTokens),
                          ("--max-depth", maxDepth)] where v < 1 {
            throw ValidationError("\(name) must be at least 1, got \(v)")
        }
        if let p = preset { _ = try ProblemPreset.named(p) }
        if overwrite && resume { throw ValidationError("--overwrite and --resume exclude each other") }
    }

    mutating func run() async throws {
        if case .embedded = try GeneratorSpec(parsing: generator) { BLASSettings.relaunchWithSkylakeXIfBeneficial() }
        let file: ProblemFile
        let tpl: PromptTemplate
        do {
            tpl = try template.map { try PromptTemplate(contentsOf: $0) } ?? .identity
            file = try ProblemFile(path: problems, preset: try preset.map(ProblemPreset.named), mapping: fields, template: tpl,
                                   skipInvalid: skipInvalid)
        } catch let e as StoreError {
            stderr("error: \(e.message)")
            throw ExitCodes.input
        }
        if file.skipped > 0 { stderr("skipped \(file.skipped) invalid line(s) of \(problems)") }

        var config = SearchConfiguration()
        config.budget = SearchBudget(maxExpansions: budgetExpansions, maxGeneratedTokens: budgetTokens, maxWallSeconds: budgetSeconds)
        config.sampling = SamplingParameters(temperature: temperature, topK: topK, topP: topP, minP: minP)
        config.stop = stop.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\t", with: "\t")
        config.stepMaxTokens = stepMaxTokens
        config.maxDepth = maxDepth
        config.answerMarker = file.preset.answerMarker
        config.pruneBelow = pruneBelow
        config.seed = seed
        config.concurrency = concurrency
        config.maxInFlight = maxInFlight
        config.treeInFlight = treeInFlight

        let gen: any StepGenerator
        let evaluators: EvaluatorSet
        do {
            gen = try makeGenerator(try GeneratorSpec(parsing: generator))
            evaluators = try await makeEvaluators(verifiers: verifiers, judge: judge)
        } catch let e as BackendUnavailable {
            stderr("error: \(e.description)")
            throw ExitCodes.usage
        } catch {
            stderr("error: \(error)")
            throw ExitCodes.failure
        }
        let guidance = evaluators.guiding.reduce(into: Set<EvaluationKind>()) { $0.formUnion($1.capabilities.kinds) }
        if strategy.earlyRejectTokens != nil && !guidance.contains(.step) {
            await evaluators.shutdown()
            stderr("error: --early-reject-tokens needs a step verifier (a PRM such as prm-local) to score partial steps")
            throw ExitCodes.usage
        }
        strategy.apply(to: &config, guidance: guidance)
        let fingerprint = try RunFingerprint(
            backend: gen.capabilities.backend, model: gen.capabilities.model, configuration: config,
            verifiers: evaluators.fingerprintNames,
            judge: evaluators.judge.map { "\($0.capabilities.name)@\($0.capabilities.version)" },
            preset: file.preset.name, template: tpl.text)
        if overwrite { try? FileManager.default.removeItem(atPath: out) }
        let job = SearchJob(file: file, shard: try parseShard(), outPath: out, resume: resume, fingerprint: fingerprint)
        let driver = SearchDriver(generator: gen, evaluators: evaluators.guiding, judge: evaluators.judge, configuration: config)
        let progress = ProgressLine(enabled: !noProgress && isatty(2) != 0)
        let report: SearchJob.Report
        do {
            report = try await job.run(driver, onProgress: progress.update)
            progress.clear()
            await evaluators.shutdown()
        } catch let e as StoreError {
            progress.clear()
            await evaluators.shutdown()
            stderr("error: \(e.message)")
            throw e.code == .fingerprintMismatch ? ExitCodes.input : e.code == .exists ? ExitCodes.usage : ExitCodes.failure
        } catch {
            progress.clear()
            await evaluators.shutdown()
            stderr("error: \(error)")
            throw ExitCodes.failure
        }
        if report.droppedTornLine { stderr("resume: removed a torn last line from \(out)") }
        if report.alreadyDone > 0 { stderr("resume: \(report.alreadyDone) problem(s) already in \(out), skipped") }
        print(Self.summaryLine(report.summary))
        for line in evaluators.pluginStatistics { print("plugin \(line)") }
        if report.summary.judged < report.summary.problems {
            stderr("note: \(report.summary.problems - report.summary.judged) chosen answer(s) were not graded " +
                   "(verdict timed out or errored, or no outcome verifier / --judge); accuracy counts graded ones only")
        }
        if let summaryJSON {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            do { try enc.encode(report.summary).write(to: URL(fileURLWithPath: summaryJSON)) } catch {
                stderr("error: \(summaryJSON): \(error.localizedDescription)")
                throw ExitCodes.failure
            }
        }
    }

    static func summaryLine(_ s: RunSummary) -> String {
        "problems \(s.problems)  solved \(s.solved)  accuracy \(fmt(s.accuracy * 100, 1))% (of \(s.judged) judged)  " +
            "tokens \(s.generatedTokens)  nodes \(s.nodes)  wall \(fmt(s.wallSeconds, 1)) s  tokens/s \(fmt(s.tokensPerSecond, 1))" +
            (s.partialCandidates.map { "  early-rejected \(s.earlyRejected ?? 0) of \($0) partial candidates" } ?? "")
    }
}

/// Writes one line to standard error.
func stderr(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// A number with `digits` decimals.
func fmt(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }

/// The one-line progress display on a terminal's stderr.
final class ProgressLine: @unchecked Sendable {
    let enabled: Bool
    init(enabled: Bool) { self.enabled = enabled }

    func update(_ p: RunProgress) {
        guard enabled else { return }
        let tps = p.elapsedSeconds > 0 ? Double(p.generatedTokens) / p.elapsedSeconds : 0
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + "\(p.problemsDone)/\(p.problemsTotal) problems  " +
            "\(p.nodes) nodes  \(fmt(tps, 0)) tokens/s  solved \(p.solved)").utf8))
    }

    func clear() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
