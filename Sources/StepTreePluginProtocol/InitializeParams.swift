/// `initialize` params: the host's version and identity.
public struct InitializeParams: Hashable, Sendable {
    /// The version the host asks for.
    public var protocolVersion: Int
    /// The host's name and version.
    public var client: PeerInfo
    /// Params for the current protocol version.
    public init(protocolVersion: Int = PluginMethod.protocolVersion, client: PeerInfo) {
        self.protocolVersion = protocolVersion
        self.client = client
    }
    /// Reads params; a missing or malformed member is an `.invalidParams` error naming it.
    public init(json: JSON) throws {
        protocolVersion = try json.requiredInt("protocolVersion", in: "params")
        client = try PeerInfo(json: json.required("clientInfo", in: "params"), field: "params.clientInfo")
    }
    /// The wire form.
    public var json: JSON { ["protocolVersion": .number(Double(protocolVersion)), "clientInfo": client.json] }
}
