/// One path to judge, as sent in `verify` params.
public struct VerifyItem: Hashable, Sendable {
    /// Item id, unique within its request; results carry it back.
    public var id: String
    /// The problem's id.
    public var problemID: String
    /// The rendered prompt the steps continue.
    public var prompt: String
    /// Every field of the problem's line, unchanged.
    public var fields: [String: JSON]
    /// The reference answer, when known.
    public var reference: String?
    /// Step texts from the root down, each with its delimiter as generated.
    public var steps: [String]
    /// Whether the path ended (judge the outcome) or may continue.
    public var finished: Bool

    /// Creates an item.
    public init(id: String, problemID: String, prompt: String, fields: [String: JSON] = [:], reference: String? = nil,
                steps: [String], finished: Bool) {
        self.id = id
        self.problemID = problemID
        self.prompt = prompt
        self.fields = fields
        self.reference = reference
        self.steps = steps
        self.finished = finished
    }

    /// All steps joined: the text the model wrote after the prompt.
    public var completion: String { steps.joined() }

    /// Reads item `index` of `params.items`; errors name the member (`params.items[3].steps`).
    public init(json: JSON, index: Int) throws {
        func at() -> String { "params.items[\(index)]" }
        id = try json.requiredString("id", in: at())
        let problem = try json.required("problem", in: at())
        problemID = try problem.requiredString("id", in: at() + ".problem")
        prompt = problem["prompt"]?.string ?? ""
        fields = problem["fields"]?.object ?? [:]
        reference = json["reference"]?.string
        guard let list = try json.required("steps", in: at()).array else {
            throw PluginProtocolError(.invalidParams, "field \"\(at()).steps\" must be an array of strings")
        }
        steps = try list.enumerated().map { i, step in
            guard let s = step.string else { throw PluginProtocolError(.invalidParams, "field \"\(at()).steps[\(i)]\" must be a string") }
            return s
        }
        finished = json["finished"]?.bool ?? true
    }

    /// The wire form.
    public var json: JSON {
        var o: [String: JSON] = [
            "id": .string(id),
            "problem": ["id": .string(problemID), "prompt": .string(prompt), "fields": .object(fields)],
            "steps": .array(steps.map { .string($0) }),
            "finished": .bool(finished),
        ]
        if let reference { o["reference"] = .string(reference) }
        return .object(o)
    }
}

extension VerifyItem {
    /// Appends the same text as `json.text`, without building the intermediate value (the host
    /// writes every item of every batch).
    public func write(to out: inout [UInt8]) {
        out.append(contentsOf: #"{"finished":"#.utf8)
        out.append(contentsOf: (finished ? "true" : "false").utf8)
        out.append(contentsOf: #","id":"#.utf8)
        JSON.writeString(id, to: &out)
        out.append(contentsOf: #","problem":{"fields":"#.utf8)
        JSON.object(fields).write(to: &out)
        out.append(contentsOf: #","id":"#.utf8)
        JSON.writeString(problemID, to: &out)
        out.append(contentsOf: #","prompt":"#.utf8)
        JSON.writeString(prompt, to: &out)
        out.append(UInt8(ascii: "}"))
        if let reference {
            out.append(contentsOf: #","reference":"#.utf8)
            JSON.writeString(reference, to: &out)
        }
        out.append(contentsOf: #","steps":["#.utf8)
        for (i, step) in steps.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSON.writeString(step, to: &out)
        }
        out.append(contentsOf: "]}".utf8)
    }
}
