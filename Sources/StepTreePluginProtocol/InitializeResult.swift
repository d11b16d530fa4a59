/// `initialize` result: the version the plugin will speak, its identity and capabilities.
public struct InitializeResult: Hashable, Sendable {
    /// The version the plugin will speak.
    public var protocolVersion: Int
    /// The plugin's name and version.
    public var server: PeerInfo
    /// What the plugin offers.
    public var capabilities: PluginCapabilities
    /// A result for the current protocol version.
    public init(protocolVersion: Int = PluginMethod.protocolVersion, server: PeerInfo, capabilities: PluginCapabilities) {
        self.protocolVersion = protocolVersion
        self.server = server
        self.capabilities = capabilities
    }
    /// Reads a result; a missing or malformed member is an `.invalidParams` error naming it.
    public init(json: JSON) throws {
        protocolVersion = try json.requiredInt("protocolVersion", in: "result")
        server = try PeerInfo(json: json.required("serverInfo", in: "result"), field: "result.serverInfo")
        capabilities = try PluginCapabilities(json: json["capabilities"] ?? [:])
    }
    /// The wire form.
    public var json: JSON {
        ["protocolVersion": .number(Double(protocolVersion)), "serverInfo": server.json, "capabilities": capabilities.json]
    }
}
