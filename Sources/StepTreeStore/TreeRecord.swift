import Foundation
import StepTreeCore

/// One line of a tree file (schema `steptree.tree/1`): one finished problem with its whole tree.
public struct TreeRecord: Codable, Hashable, Sendable {
    public static let schemaName = "steptree.tree/1"

    /// One stored node.
    public struct Node: Codable, Hashable, Sendable {
        public var id: UInt32
        public var parent: UInt32?
        public var text: String
        public var tokens: [Int32]?
        public var logprobs: [Float]?
        public var depth: Int
        /// Identical sibling samples merged into this node.
        public var count: Int
        public var visits: Int
        public var valueSum: Double
        public var prior: Double
        /// Step score (PRM / step verifier), when one scored it.
        public var score: Double?
        /// Outcome score of the finished path, when a guiding verifier judged it.
        public var reward: Double?
        public var finish: FinishReason
        /// Flag names: expanded, finished, truncated, pruned, failed, rollout.
        public var flags: [String]
        /// The answer of a finished path.
        public var answer: String?
        public var verdicts: [Verdict]?
    }

    /// One verifier verdict on a node.
    public struct Verdict: Codable, Hashable, Sendable {
        public var evaluator: String
        public var kind: EvaluationKind
        public var status: VerdictStatus
        public var score: Double
        public var stepScores: [Double]?
        public var answer: String?
        public var detail: String?
    }

    /// The problem as searched.
    public struct ProblemInfo: Codable, Hashable, Sendable {
        /// Position in the problem file (0-based, before sharding).
        public var index: Int
        public var id: String
        public var prompt: String
        public var reference: String?
        public var fields: [String: JSON]
    }

    public var schema: String = TreeRecord.schemaName
    /// `RunFingerprint.digest`.
    public var fingerprint: String
    /// The fingerprint's fields.
    public var run: JSON
    public var problem: ProblemInfo
    public var chosen: UInt32?
    public var answer: String?
    public var solved: Bool
    /// Whether the chosen answer was judged (`ok` or `unparseable` verdict, or no answer found);
    /// false when its verdict timed out or errored.
    public var judged: Bool
    public var judgement: Verdict?
    public var stopReason: String?
    public var cost: ProblemCost
    public var nodes: [Node]

    static let flagNames: [(NodeFlags, String)] = [
        (.expanded, "expanded"), (.finished, "finished"), (.truncated, "truncated"), (.pruned, "pruned"),
        (.failed, "failed"), (.rollout, "rollout"),
    ]

    /// The record of a finished search.
    /// - Parameters:
    ///   - fileIndex: the problem's position in its file (shards keep file positions).
    public init(result r: ProblemResult, fileIndex: Int, fingerprint: RunFingerprint, marker: AnswerMarker?) {
        self.fingerprint = fingerprint.digest
        run = fingerprint.canonicalJSON()
        problem = ProblemInfo(index: fileIndex, id: r.problem.id, prompt: r.problem.prompt, reference: r.problem.reference,
                              fields: r.problem.fields)
        chosen = r.chosen?.rawValue
        answer = r.answer
        solved = r.solved
        judged = r.judged
        judgement = r.judgement.map { Self.verdict("judge", .outcome, $0) }
        stopReason = r.stopReason
        cost = r.cost
        let t = r.tree
        nodes = (0..<t.count).map { i in
            let rec = t.records[i]
            let id = NodeID(UInt32(i))
            return Node(id: UInt32(i), parent: i == 0 ? nil : rec.parent, text: t.texts[i],
                        tokens: t.tokens[i].isEmpty ? nil : t.tokens[i], logprobs: t.logprobs[i].isEmpty ? nil : t.logprobs[i],
                        depth: Int(rec.depth), count: Int(rec.count), visits: Int(rec.visits), valueSum: rec.valueSum,
                        prior: Double(rec.prior), score: rec.hasScore ? Double(rec.score) : nil,
                        reward: rec.hasReward ? Double(rec.reward) : nil, finish: t.finishReasons[i],
                        flags: Self.flagNames.compactMap { rec.flags.contains($0.0) ? $0.1 : nil },
                        answer: rec.flags.contains(.finished) ? AnswerMarker.answer(of: id, in: t, marker: marker) : nil,
                        verdicts: t.verdicts[UInt32(i)].map { $0.map { Self.verdict($0.evaluator, $0.kind, $0.outcome) } })
        }
    }

    static func verdict(_ name: String, _ kind: EvaluationKind, _ o: EvaluationOutcome) -> Verdict {
        Verdict(evaluator: name, kind: kind, status: o.status, score: o.score, stepScores: o.stepScores, answer: o.answer,
                detail: o.detail)
    }

    /// Rebuilds the search tree (for exporters that recompute values).
    /// - Throws: `CoreError.invariantViolated` when the stored nodes are inconsistent.
    public func makeTree() throws -> SearchTree {
        var records: [NodeRecord] = []
        var children: [UInt32: [UInt32]] = [:]
        for n in nodes { if let p = n.parent { children[p, default: []].append(n.id) } }
        for n in nodes {
            var r = NodeRecord()
            r.parent = n.parent ?? UInt32.max
            if let kids = children[n.id], let first = kids.first {
                r.firstChild = first
                r.childCount = UInt16(kids.count)
            }
            r.depth = UInt16(n.depth)
            r.count = UInt16(n.count)
            r.visits = UInt32(n.visits)
            r.valueSum = n.valueSum
            r.prior = Float(n.prior)
            r.score = n.score.map(Float.init) ?? .nan
            r.reward = n.reward.map(Float.init) ?? .nan
            for (flag, name) in Self.flagNames where n.flags.contains(name) { r.flags.insert(flag) }
            records.append(r)
        }
        var verdicts: [UInt32: [NodeVerdict]] = [:]
        for n in nodes {
            guard let vs = n.verdicts else { continue }
            verdicts[n.id] = vs.map {
                NodeVerdict(evaluator: $0.evaluator, kind: $0.kind,
                            outcome: EvaluationOutcome(status: $0.status, score: $0.score, stepScores: $0.stepScores,
                                                       answer: $0.answer, detail: $0.detail))
            }
        }
        return try SearchTree(records: records, texts: nodes.map(\.text), tokens: nodes.map { $0.tokens ?? [] },
                              logprobs: nodes.map { $0.logprobs ?? [] }, finishReasons: nodes.map(\.finish), verdicts: verdicts)
    }
}
