/// `verify` params: a batch of items of one kind.
public struct VerifyParams: Hashable, Sendable {
    /// Whether the items are judged as finished answers or step by step.
    public var kind: VerifyKind
    /// At most the plugin's `maxBatch` items.
    public var items: [VerifyItem]
    /// The host's per-request timeout, so a plugin can budget its work (informational).
    public var timeoutMs: Int?

    /// Creates params.
    public init(kind: VerifyKind, items: [VerifyItem], timeoutMs: Int? = nil) {
        self.kind = kind
        self.items = items
        self.timeoutMs = timeoutMs
    }

    /// Reads params; errors name the member at fault.
    public init(json: JSON) throws {
        let kindName = try json.requiredString("kind", in: "params")
        guard let kind = VerifyKind(rawValue: kindName) else {
            throw PluginProtocolError(.invalidParams, "unknown \"params.kind\" \"\(kindName)\"")
        }
        self.kind = kind
        guard let list = try json.required("items", in: "params").array else {
            throw PluginProtocolError(.invalidParams, "field \"params.items\" must be an array")
        }
        items = try list.enumerated().map { try VerifyItem(json: $1, index: $0) }
        timeoutMs = json["timeoutMs"]?.int
    }

    /// The wire form.
    public var json: JSON {
        var o: [String: JSON] = ["kind": .string(kind.rawValue), "items": .array(items.map(\.json))]
        if let timeoutMs { o["timeoutMs"] = .number(Double(timeoutMs)) }
        return .object(o)
    }
}

extension VerifyParams {
    /// Appends the same text as `json.text`, without building the intermediate value.
    public func write(to out: inout [UInt8]) {
        out.append(contentsOf: #"{"items":["#.utf8)
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            item.write(to: &out)
        }
        out.append(contentsOf: #"],"kind":"#.utf8)
        JSON.writeString(kind.rawValue, to: &out)
        if let timeoutMs {
            out.append(contentsOf: #","timeoutMs":"#.utf8)
            JSON.writeNumber(Double(timeoutMs), to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}
