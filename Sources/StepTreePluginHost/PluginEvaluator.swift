import Foundation
import StepTreeCore
import StepTreePluginProtocol

/// An `Evaluator` backed by a verifier plugin process (or a small pool of them).
///
/// Items are split by kind (finished paths → `outcome`, unfinished → `step`, falling back to the
/// kind the plugin offers), cut into batches of the plugin's `maxBatch`, and sent with at most
/// `maxConcurrentRequests × poolSize` requests in flight. A batch whose plugin crashed, hung or
/// broke the protocol is retried on a fresh process up to `maxRetries` times; after that its
/// items get `status: timeout` (hung) or `status: error` (anything else) with a detail naming the
/// plugin and what happened — never a wrong-answer verdict.
///
///     let judge = try await PluginEvaluator.launch("answer", searchPaths: [], options: .init())
///     let outcomes = await judge.evaluate(items)
///     await judge.shutdown()
public final class PluginEvaluator: Evaluator, @unchecked Sendable {
    public let capabilities: EvaluatorCapabilities
    /// The capabilities from the plugin's handshake.
    public let pluginCapabilities: PluginCapabilities
    /// The executable that runs.
    public let executable: String
    private let options: PluginHostOptions
    private let pool: PluginPool
    private let limiter: AsyncSemaphore
    private let counters: Counters

    /// Finds and starts a plugin from a `--verifier` spec (`NAME[:ARGS]`, see `PluginLocator.parse`).
    /// - Throws: `PluginHostError` (`.badSpec`, `.notFound`, `.spawnFailed`, `.handshakeFailed`).
    public static func launch(_ spec: String, searchPaths: [String] = [], options: PluginHostOptions = .init())
        async throws -> PluginEvaluator {
        let parsed = try PluginLocator.parse(spec)
        let executable = try PluginLocator(searchPaths: searchPaths).executable(for: parsed.name)
        return try await launch(executable: executable, arguments: parsed.arguments, options: options)
    }

    /// Starts a plugin executable with arguments and runs the handshake on each pool process.
    /// - Throws: `PluginHostError` (`.spawnFailed`, `.handshakeFailed`).
    public static func launch(executable: String, arguments: [String] = [], options: PluginHostOptions = .init())
        async throws -> PluginEvaluator {
        let name = (executable as NSString).lastPathComponent
        let counters = Counters()
        let pool = PluginPool(name: name, executable: executable, arguments: arguments, options: options,
                              onEvent: { counters.record($0) }, onRestart: { counters.update { $0.restarts += 1 } })
        let handshake: InitializeResult
        do {
            handshake = try await pool.startAll()
        } catch {
            await pool.shutdown()
            throw error
        }
        return PluginEvaluator(executable: executable, handshake: handshake, options: options, pool: pool, counters: counters)
    }

    private init(executable: String, handshake: InitializeResult, options: PluginHostOptions, pool: PluginPool,
                 counters: Counters) {
        self.executable = executable
        self.options = options
        self.pool = pool
        self.counters = counters
        let caps = handshake.capabilities
        pluginCapabilities = caps
        capabilities = EvaluatorCapabilities(
            name: handshake.server.name, version: handshake.server.version,
            kinds: Set(caps.kinds.map { $0 == .outcome ? EvaluationKind.outcome : .step }),
            maxBatch: min(caps.maxBatch, options.maxBatch ?? .max))
        limiter = AsyncSemaphore(permits: caps.maxConcurrentRequests * max(1, options.poolSize))
    }

    /// Requests, restarts, timeouts and failures so far, for the run summary.
    public var statistics: PluginStatistics { counters.value }

    /// Judges items; one outcome per item, in item order. Never throws: failures are per-item
    /// `timeout` / `error` outcomes.
    public func evaluate(_ items: [EvaluationItem]) async -> [EvaluationOutcome] {
        var outcomes = [EvaluationOutcome?](repeating: nil, count: items.count)
        var groups: [VerifyKind: [Int]] = [:]
        for (i, item) in items.enumerated() {
            groups[kind(finished: item.finished), default: []].append(i)
        }
        let batch = max(1, capabilities.maxBatch)
        await withTaskGroup(of: [(Int, EvaluationOutcome)].self) { group in
            for (kind, indices) in groups {
                for start in stride(from: 0, to: indices.count, by: batch) {
                    let chunk = Array(indices[start..<min(start + batch, indices.count)])
                    group.addTask { await self.verify(kind, chunk, items) }
                }
            }
            for await part in group {
                for (i, outcome) in part { outcomes[i] = outcome }
            }
        }
        return outcomes.map { $0! }
    }

    /// Process ids of the plugin's live processes (for diagnostics and benchmarks).
    public func processIDs() async -> [Int32] {
        await pool.processIDs()
    }

    /// Stops every plugin process in order (see `PluginHostOptions.shutdownGrace`).
    public func shutdown() async {
        await pool.shutdown()
    }

    private func kind(finished: Bool) -> VerifyKind {
        let preferred: VerifyKind = finished ? .outcome : .step
        return pluginCapabilities.kinds.contains(preferred) ? preferred : (pluginCapabilities.kinds.first ?? preferred)
    }

    private func verify(_ kind: VerifyKind, _ indices: [Int], _ items: [EvaluationItem]) async -> [(Int, EvaluationOutcome)] {
        var params: [UInt8] = []
        VerifyParams(kind: kind, items: indices.map { wireItem(items[$0], id: $0) },
                     timeoutMs: Int(options.requestTimeout * 1000)).write(to: &params)
        await limiter.acquire()
        var lastError = PluginHostError(.exited, "\(capabilities.name): no attempt made")
        attempts: for attempt in 0...max(0, options.maxRetries) {
            if attempt > 0 { counters.update { $0.retries += 1 } }
            do {
                let (slot, connection) = try await pool.acquire()
                counters.update { $0.requests += 1; $0.items += indices.count }
                let response: PluginConnection.Reply
                do {
                    response = try await connection.call(PluginMethod.verify, params: params, timeout: options.requestTimeout)
                } catch {
                    await pool.release(slot)
                    throw error
                }
                await pool.release(slot)
                do {
                    let result: VerifyResult
                    switch response {
                    case .verify(let decoded): result = decoded
                    case .json(let json): result = try VerifyResult(json: json)
                    }
                    await limiter.release()
                    return outcomes(result, indices)
                } catch {
                    counters.update { $0.protocolViolations += 1 }
                    let broken = PluginHostError(.protocolViolation, "\(capabilities.name): malformed verify result: \(error)")
                    connection.fail(broken)
                    throw broken
                }
            } catch let error as PluginHostError {
                lastError = error
                switch error.code {
                case .remoteError, .cancelled, .gaveUp, .shutDown: break attempts // retrying would get the same answer
                default: continue
                }
            } catch {
                lastError = PluginHostError(.exited, "\(error)")
            }
        }
        await limiter.release()
        counters.update { $0.failedItems += indices.count }
        let status: VerdictStatus = lastError.code == .timedOut || lastError.code == .cancelled ? .timeout : .error
        return indices.map { ($0, .failed(status, lastError.message)) }
    }

    private func wireItem(_ item: EvaluationItem, id: Int) -> VerifyItem {
        VerifyItem(id: String(id), problemID: item.problem.id, prompt: item.problem.prompt,
                   fields: item.problem.fields,
                   reference: pluginCapabilities.needsReference ? item.problem.reference : nil,
                   steps: item.steps, finished: item.finished)
    }

    private func outcomes(_ result: VerifyResult, _ indices: [Int]) -> [(Int, EvaluationOutcome)] {
        var byID: [String: ItemResult] = [:]
        byID.reserveCapacity(result.results.count)
        for r in result.results { byID[r.id] = r }
        var missing = 0
        let list = indices.map { i -> (Int, EvaluationOutcome) in
            guard let r = byID[String(i)] else {
                missing += 1
                return (i, .failed(.error, "\(capabilities.name) returned no result for item \(i)"))
            }
            return (i, EvaluationOutcome(status: VerdictStatus(rawValue: r.status.rawValue) ?? .error, score: r.score,
                                         stepScores: r.stepScores, answer: r.answer, detail: r.detail))
        }
        if missing > 0 { counters.update { $0.failedItems += missing } }
        return list
    }
}

/// Lock-protected run counters, updated from connection threads and tasks.
final class Counters: @unchecked Sendable {
    private let lock = NSLock()
    private var stats = PluginStatistics()

    var value: PluginStatistics { lock.withLock { stats } }

    func update(_ body: (inout PluginStatistics) -> Void) {
        lock.withLock { body(&stats) }
    }

    func record(_ event: PluginConnection.Event) {
        update {
            switch event {
            case .timeout: $0.timeouts += 1
            case .violation: $0.protocolViolations += 1
            }
        }
    }
}
