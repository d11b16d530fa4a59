import Foundation
import StepTreeCore

/// What makes two runs' trees comparable: model, generator settings, strategy and parameters,
/// budgets, seed, verifiers, problem preset and template. `--resume` continues a tree file only
/// under the same fingerprint. The shard is not part of it, so shards of one run merge.
public struct RunFingerprint: Codable, Hashable, Sendable {
    public var backend: String
    public var model: String
    public var strategy: String
    public var strategyParameters: JSON
    public var sampling: SamplingParameters
    public var stop: String
    public var stepMaxTokens: Int
    public var maxDepth: Int
    public var pruneBelow: Double
    public var budget: SearchBudget
    public var seed: UInt64
    /// Guiding verifiers as `name@version`.
    public var verifiers: [String]
    public var judge: String?
    public var preset: String
    public var template: String

    public init(backend: String, model: String, configuration c: SearchConfiguration, verifiers: [String],
                judge: String?, preset: String, template: String) throws {
        self.backend = backend
        self.model = model
        strategy = c.strategy
        let params = try StrategyRegistry.entry(named: c.strategy).parameters(c.parameters)
        strategyParameters = try JSONDecoder().decode(JSON.self, from: JSONEncoder().encode(params))
        sampling = c.sampling
        stop = c.stop
        stepMaxTokens = c.stepMaxTokens
        maxDepth = c.maxDepth
        pruneBelow = c.pruneBelow
        budget = c.budget
        seed = c.seed
        self.verifiers = verifiers
        self.judge = judge
        self.preset = preset
        self.template = template
    }

    /// Canonical JSON (sorted keys).
    public func canonicalJSON() -> JSON {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return (try? JSONDecoder().decode(JSON.self, from: e.encode(self))) ?? .null
    }

    /// 16 hex digits of FNV-1a 64 over the canonical JSON.
    public var digest: String { Self.digest(of: canonicalJSON()) }

    static func digest(of value: JSON) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? e.encode(value)) ?? Data()
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in data { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Human-readable differences between two fingerprints' JSON objects (`key: a ≠ b`).
    public static func differences(_ a: JSON, _ b: JSON) -> [String] {
        let (oa, ob) = (a.object ?? [:], b.object ?? [:])
        return Set(oa.keys).union(ob.keys).sorted().compactMap { k in
            oa[k] == ob[k] ? nil : "\(k): \(Self.show(oa[k])) ≠ \(Self.show(ob[k]))"
        }
    }

    static func show(_ v: JSON?) -> String {
        guard let v else { return "absent" }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(data: e.encode(v), encoding: .utf8) ?? "?") ?? "?"
    }
}
