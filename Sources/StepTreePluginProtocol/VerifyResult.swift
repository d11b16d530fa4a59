/// `verify` result: one result per item, in any order, matched by item id.
public struct VerifyResult: Hashable, Sendable {
    /// One result per item, in item order.
    public var results: [ItemResult]
    /// Creates a result.
    public init(results: [ItemResult]) { self.results = results }
    /// Reads a result; errors name the member at fault (`result.results[2].score`).
    public init(json: JSON) throws {
        guard let list = try json.required("results", in: "result").array else {
            throw PluginProtocolError(.invalidParams, "field \"result.results\" must be an array")
        }
        results = try list.enumerated().map { try ItemResult(json: $1, index: $0) }
    }
    /// The wire form.
    public var json: JSON { ["results": .array(results.map(\.json))] }
}
