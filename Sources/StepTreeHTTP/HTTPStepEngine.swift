import Foundation
import StepTreeCore

/// The logic every HTTP generator shares: root-prompt cache, prompt choice, fan-out of samples
/// over requests when the backend lacks `n`, and failures as values.
final class HTTPStepEngine<Wire: CompletionWire>: @unchecked Sendable {
    let wire: Wire
    let transport: HTTPTransport
    var options: HTTPGeneratorOptions { transport.options }
    private let lock = NSLock()
    /// Root prompts per problem (keyed by segment 0's key); a task so concurrent requests of one
    /// problem share one tokenize call.
    private var roots: [SegmentKey: Task<Result<RootPrompt, HTTPGeneratorError>, Never>] = [:]

    init(wire: Wire, endpoints: [URL], options: HTTPGeneratorOptions) {
        self.wire = wire
        transport = HTTPTransport(endpoints: endpoints, options: options)
    }

    func capabilities(model: String) -> GeneratorCapabilities {
        let c = wire.capabilities
        return GeneratorCapabilities(
            backend: c.name, model: model, returnsTokens: c.returnsTokens,
            returnsLogprobs: wire.wantsLogprobs(options),
            nativeMultipleSamples: c.nativeSamples, recommendedInFlight: options.maxInFlight)
    }

    func generate(_ requests: [StepRequest]) async -> [StepResult] {
        await withTaskGroup(of: (Int, StepResult).self) { group in
            for (i, r) in requests.enumerated() {
                group.addTask { (i, await self.one(r)) }
            }
            var results = [StepResult?](repeating: nil, count: requests.count)
            for await (i, r) in group { results[i] = r }
            return results.map { $0! }
        }
    }

    func release(_ keys: [SegmentKey]) {
        lock.withLock { for k in keys { roots[k] = nil } }
    }

    private func one(_ request: StepRequest) async -> StepResult {
        let deadline = Date(timeIntervalSinceNow: options.deadline)
        if options.useChatTemplate && !wire.capabilities.chatTemplates {
            return StepResult(id: request.id, samples: [], failure: HTTPGeneratorError(
                .unsupported, "request \(request.id): \(wire.capabilities.name) cannot render chat templates").description)
        }
        guard let first = request.prefix.first else {
            return StepResult(id: request.id, samples: [], failure: "request \(request.id): empty prefix")
        }
        let prompt: PromptPayload
        switch await root(first, deadline: deadline) {
        case .failure(let e): return fail(request, e)
        case .success(let r): prompt = payload(root: r, steps: request.prefix.dropFirst())
        }

        let calls = wire.capabilities.nativeSamples ? [(request.samples, SeedDerivation.derive(request.seed, 0))]
            : (0..<request.samples).map { (1, SeedDerivation.derive(request.seed, $0)) }
        let outcomes = await fanOut(calls, prompt, request, deadline: deadline)
        var samples: [StepSample] = []
        var cost = GenerationCost()
        for outcome in outcomes {
            switch outcome {
            case .failure(let e): return fail(request, e)
            case .success(let (s, c)):
                samples += s
                cost = cost + c
            }
        }
        return StepResult(id: request.id, samples: samples, cost: cost)
    }

    /// The calls of one request at once, results in call order (one call needs no child task).
    private func fanOut(_ calls: [(Int, Int)], _ prompt: PromptPayload, _ request: StepRequest,
                        deadline: Date) async -> [Result<([StepSample], GenerationCost), HTTPGeneratorError>] {
        if calls.count == 1 { return [await call(prompt, request, samples: calls[0].0, seed: calls[0].1, deadline: deadline)] }
        return await withTaskGroup(of: (Int, Result<([StepSample], GenerationCost), HTTPGeneratorError>).self) { group in
            for (i, call) in calls.enumerated() {
                group.addTask { (i, await self.call(prompt, request, samples: call.0, seed: call.1, deadline: deadline)) }
            }
            var out = [Result<([StepSample], GenerationCost), HTTPGeneratorError>?](repeating: nil, count: calls.count)
            for await (i, r) in group { out[i] = r }
            return out.map { $0! }
        }
    }

    private func call(_ prompt: PromptPayload, _ request: StepRequest, samples: Int, seed: Int,
                      deadline: Date) async -> Result<([StepSample], GenerationCost), HTTPGeneratorError> {
        let body = wire.body(prompt: prompt, request: request, samples: samples, seed: seed, options: options)
        switch await transport.post(wire.path, body, deadline: deadline) {
        case .failure(let e): return .failure(e)
        case .success(let answer):
            do {
                let parsed = try wire.parse(answer, request: request)
                guard parsed.samples.count == samples else {
                    throw HTTPGeneratorError(.badResponse, "\(parsed.samples.count) choices for n = \(samples)")
                }
                return .success((parsed.samples, parsed.cost))
            } catch let e as HTTPGeneratorError {
                return .failure(.init(e.code, "POST \(wire.path) for request \(request.id): \(e.message)"))
            } catch {
                return .failure(.init(.badResponse, "POST \(wire.path) for request \(request.id): \(error)"))
            }
        }
    }

    /// Token ids when the backend takes them and every step has them; else the text.
    private func payload(root: RootPrompt, steps: ArraySlice<PrefixSegment>) -> PromptPayload {
        if wire.capabilities.tokenPrompts, let rootTokens = root.tokens, steps.allSatisfy({ $0.tokens != nil }) {
            return .tokens(steps.reduce(into: rootTokens) { $0 += $1.tokens! })
        }
        return .text(steps.reduce(into: root.text) { $0 += $1.text })
    }

    private func root(_ segment: PrefixSegment, deadline: Date) async -> Result<RootPrompt, HTTPGeneratorError> {
        let task = lock.withLock { () -> Task<Result<RootPrompt, HTTPGeneratorError>, Never> in
            if let t = roots[segment.key] { return t }
            let t = Task { [wire, transport, options] in
                await wire.root(segment.text, options: options, transport: transport, deadline: deadline)
            }
            roots[segment.key] = t
            return t
        }
        let result = await task.value
        if case .failure = result {
            // Do not cache a failure: the next request of this problem tries again.
            lock.withLock { if roots[segment.key] == task { roots[segment.key] = nil } }
        }
        return result
    }

    private func fail(_ request: StepRequest, _ error: HTTPGeneratorError) -> StepResult {
        StepResult(id: request.id, samples: [], failure: "request \(request.id): \(error.description)")
    }
}
