/// The verdict on one item.
public struct ItemResult: Hashable, Sendable {
    /// The item's id.
    public var id: String
    /// Whether a verdict was reached.
    public var status: ItemStatus
    /// In [0, 1]; 1 correct, 0 wrong for outcome checks, a probability for step scorers.
    public var score: Double
    /// One score per step, for step scorers.
    public var stepScores: [Double]?
    /// The answer the plugin extracted, when it extracts one.
    public var answer: String?
    /// A short human-readable reason.
    public var detail: String?

    /// Creates a result.
    public init(id: String, status: ItemStatus, score: Double, stepScores: [Double]? = nil, answer: String? = nil,
                detail: String? = nil) {
        self.id = id
        self.status = status
        self.score = score
        self.stepScores = stepScores
        self.answer = answer
        self.detail = detail
    }

    /// Reads one result; an unknown status, a missing field or a score outside [0, 1] is an error.
    public init(json: JSON, index: Int) throws {
        func at() -> String { "result.results[\(index)]" }
        id = try json.requiredString("id", in: at())
        let statusName = try json.requiredString("status", in: at())
        guard let status = ItemStatus(rawValue: statusName) else {
            throw PluginProtocolError(.invalidParams, "unknown \"\(at()).status\" \"\(statusName)\"")
        }
        self.status = status
        guard let score = try json.required("score", in: at()).number, score >= 0, score <= 1 else {
            throw PluginProtocolError(.invalidParams, "field \"\(at()).score\" must be a number in [0, 1]")
        }
        self.score = score
        if let scores = json["stepScores"], scores != .null {
            guard let list = scores.array?.compactMap(\.number), list.count == scores.array?.count else {
                throw PluginProtocolError(.invalidParams, "field \"\(at()).stepScores\" must be an array of numbers")
            }
            stepScores = list
        }
        answer = json["answer"]?.string
        detail = json["detail"]?.string
    }

    /// The wire form.
    public var json: JSON {
        var o: [String: JSON] = ["id": .string(id), "status": .string(status.rawValue), "score": .number(score)]
        if let stepScores { o["stepScores"] = .array(stepScores.map { .number($0) }) }
        if let answer { o["answer"] = .string(answer) }
        if let detail { o["detail"] = .string(detail) }
        return .object(o)
    }
}

extension ItemResult {
    /// Appends the same text as `json.text`, without building the intermediate value (a plugin
    /// writes one per item).
    public func write(to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        if let answer {
            out.append(contentsOf: #""answer":"#.utf8)
            JSON.writeString(answer, to: &out)
            out.append(UInt8(ascii: ","))
        }
        if let detail {
            out.append(contentsOf: #""detail":"#.utf8)
            JSON.writeString(detail, to: &out)
            out.append(UInt8(ascii: ","))
        }
        out.append(contentsOf: #""id":"#.utf8)
        JSON.writeString(id, to: &out)
        out.append(contentsOf: #","score":"#.utf8)
        JSON.writeNumber(score, to: &out)
        out.append(contentsOf: #","status":"#.utf8)
        JSON.writeString(status.rawValue, to: &out)
        if let stepScores {
            out.append(contentsOf: #","stepScores":["#.utf8)
            for (i, s) in stepScores.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSON.writeNumber(s, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
    }
}
