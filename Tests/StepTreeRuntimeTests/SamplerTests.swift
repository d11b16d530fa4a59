import Foundation
import StepTreeCore
import Testing
@testable import StepTreeRuntime

struct SamplerTests {
    let logits: [Float] = [2.0, 1.0, 0.5, -1.0, 3.0, 0.0]

    func draw(_ p: SamplingParameters, seed: UInt64 = 1, count: Int = 2000) -> [Int32] {
        var s = Sampler(parameters: p, rng: SeededGenerator(seed: seed))
        return (0..<count).map { _ in logits.withUnsafeBufferPointer { s.sample($0) }.token }
    }

    @Test func greedyPicksTheArgmaxWithModelLogprobAndEntropy() {
        var s = Sampler(parameters: .init(temperature: 0), rng: SeededGenerator(seed: 0))
        let choice = logits.withUnsafeBufferPointer { s.sample($0) }
        let z = logits.map { exp(Double($0)) }.reduce(0, +)
        let probs = logits.map { exp(Double($0)) / z }
        #expect(choice.token == 4)
        #expect(abs(Double(choice.logprob) - log(probs[4])) < 1e-5)
        #expect(abs(Double(choice.entropy) - -probs.map { $0 * log($0) }.reduce(0, +)) < 1e-5)
    }

    @Test func filtersRestrictTheSupport() {
        #expect(Set(draw(.init(topK: 2))) == [0, 4])
        #expect(Set(draw(.init(topK: 1))) == [4])
        // p(4) ≈ 0.58, p(0) ≈ 0.21: top-p 0.7 keeps both, not token 1 (≈ 0.08).
        #expect(Set(draw(.init(topP: 0.7))) == [0, 4])
        // min-p 0.3 keeps tokens with p ≥ 0.3 · p(4) ≈ 0.17: tokens 4 and 0.
        #expect(Set(draw(.init(minP: 0.3))) == [0, 4])
        #expect(Set(draw(.init())).count == logits.count)
    }

    @Test func temperatureOneFollowsTheModelDistribution() {
        let tokens = draw(.init(), count: 20000)
        let share = Double(tokens.filter { $0 == 4 }.count) / Double(tokens.count)
        let z = logits.map { exp(Double($0)) }.reduce(0, +)
        #expect(abs(share - exp(3) / z) < 0.02)
    }

    @Test func seedsMakeDrawsReproducibleAndDistinct() {
        #expect(draw(.init(), seed: 5, count: 50) == draw(.init(), seed: 5, count: 50))
        #expect(draw(.init(), seed: 5, count: 50) != draw(.init(), seed: 6, count: 50))
        var a = SeededGenerator(seed: 9, stream: 0), b = SeededGenerator(seed: 9, stream: 1)
        #expect(a.next() != b.next())
    }
}
