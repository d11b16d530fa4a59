import Foundation
import StepTreeCore

/// One sampled token with the figures the search records.
public struct SampledToken: Equatable, Sendable {
    /// The token id.
    public var token: Int32
    /// Log-probability under the model's own distribution (temperature 1, no filters).
    public var logprob: Float
    /// Entropy (nats) of the model's own distribution at this position.
    public var entropy: Float
}

/// Picks tokens from logits: greedy at temperature 0; otherwise temperature, then top-k,
/// top-p and min-p filters on the tempered distribution (vLLM's order), then a draw from the
/// sample's own seeded PRNG.
public struct Sampler: Sendable {
    /// Temperature and filters.
    public var parameters: SamplingParameters
    /// The sample's own random stream.
    public var rng: SeededGenerator

    /// A sampler drawing from `rng`.
    public init(parameters: SamplingParameters, rng: SeededGenerator) {
        self.parameters = parameters
        self.rng = rng
    }

    /// - Complexity: O(V) without filters, O(V log V) with top-k/top-p/min-p.
    public mutating func sample(_ logits: UnsafeBufferPointer<Float>) -> SampledToken {
        let n = logits.count
        var maxLogit = -Float.infinity
        var argmax = 0
        for i in 0..<n where logits[i] > maxLogit { maxLogit = logits[i]; argmax = i }
        // log-softmax and entropy of the untempered distribution (the exponentials are reused
        // as sampling weights at temperature 1 without filters, the common case).
        var exps = [Float](repeating: 0, count: n)
        var sum: Double = 0, weighted: Double = 0
        for i in 0..<n {
            let d = logits[i] - maxLogit
            let e = expf(d)
            exps[i] = e
            sum += Double(e)
            weighted += Double(e) * Double(d)
        }
        let logZ = log(sum)
        let entropy = Float(logZ - weighted / sum)
        func result(_ i: Int) -> SampledToken {
            SampledToken(token: Int32(i), logprob: Float(Double(logits[i] - maxLogit) - logZ), entropy: entropy)
        }
        let p = parameters
        if p.temperature <= 0 { return result(argmax) }

        let invT = 1 / p.temperature
        let filtered = p.topK > 0 || p.topP < 1 || p.minP > 0
        if !filtered {
            if p.temperature == 1 { return result(draw(exps, total: sum) ?? argmax) }
            var weights = [Float](repeating: 0, count: n)
            var total: Double = 0
            for i in 0..<n { weights[i] = Float(exp(Double(logits[i] - maxLogit) * invT)); total += Double(weights[i]) }
            return result(draw(weights, total: total) ?? argmax)
        }
        var order = Array(0..<n).sorted { logits[$0] > logits[$1] }
        if p.topK > 0 && p.topK < n { order.removeLast(n - p.topK) }
        var weights = order.map { Float(exp(Double(logits[$0] - maxLogit) * invT)) }
        var total = weights.reduce(0) { $0 + Double($1) }
        if p.topP < 1 {
            var cumulative: Double = 0
            var keep = weights.count
            for (i, w) in weights.enumerated() {
                cumulative += Double(w)
                if cumulative >= p.topP * total { keep = i + 1; break }
            }
            weights.removeLast(weights.count - keep)
            order.removeLast(order.count - keep)
            total = weights.reduce(0) { $0 + Double($1) }
        }
        if p.minP > 0, let top = weights.first {
            let keep = weights.firstIndex { Double($0) < p.minP * Double(top) } ?? weights.count
            weights.removeLast(weights.count - keep)
            order.removeLast(order.count - keep)
            total = weights.reduce(0) { $0 + Double($1) }
        }
        return result(draw(weights, total: total).map { order[$0] } ?? argmax)
    }

    private mutating func draw(_ weights: [Float], total: Double) -> Int? {
        guard total > 0, total.isFinite else { return nil }
        let u = rng.unit() * total
        var cumulative: Double = 0
        for (i, w) in weights.enumerated() {
            cumulative += Double(w)
            if u < cumulative { return i }
        }
        return weights.lastIndex { $0 > 0 }
    }
}
