/// What a plugin offers, from its `initialize` result.
public struct PluginCapabilities: Hashable, Sendable {
    /// The kinds of `verify` request the plugin accepts. Default `[.outcome]`.
    public var kinds: [VerifyKind]
    /// Most items per `verify` request (>= 1). Default 64.
    public var maxBatch: Int
    /// Most `verify` requests in flight at once (>= 1). Default 1.
    public var maxConcurrentRequests: Int
    /// Whether items must carry the reference answer; items without one are then `unparseable`.
    public var needsReference: Bool
    /// The tag a step scorer expects between steps (for example "ки"), informational.
    public var stepTag: String?
    /// Whether equal inputs always give equal results (so the host may cache verdicts).
    public var deterministic: Bool

    /// Capabilities with the defaults listed on each property.
    public init(kinds: [VerifyKind] = [.outcome], maxBatch: Int = 64, maxConcurrentRequests: Int = 1,
                needsReference: Bool = false, stepTag: String? = nil, deterministic: Bool = true) {
        self.kinds = kinds
        self.maxBatch = maxBatch
        self.maxConcurrentRequests = maxConcurrentRequests
        self.needsReference = needsReference
        self.stepTag = stepTag
        self.deterministic = deterministic
    }

    /// Reads capabilities; missing members take their defaults, unknown kinds and members are ignored.
    public init(json: JSON) throws {
        self.init()
        guard case .object = json else { throw PluginProtocolError(.invalidParams, "\"capabilities\" must be an object") }
        if let kinds = json["kinds"] {
            guard let list = kinds.array else { throw PluginProtocolError(.invalidParams, "\"capabilities.kinds\" must be an array") }
            self.kinds = list.compactMap { $0.string.flatMap(VerifyKind.init(rawValue:)) }
        }
        if let v = json["maxBatch"] {
            guard let n = v.int, n >= 1 else { throw PluginProtocolError(.invalidParams, "\"capabilities.maxBatch\" must be an integer >= 1") }
            maxBatch = n
        }
        if let v = json["maxConcurrentRequests"] {
            guard let n = v.int, n >= 1 else {
                throw PluginProtocolError(.invalidParams, "\"capabilities.maxConcurrentRequests\" must be an integer >= 1")
            }
            maxConcurrentRequests = n
        }
        needsReference = json["needsReference"]?.bool ?? false
        stepTag = json["stepTag"]?.string
        deterministic = json["deterministic"]?.bool ?? true
    }

    /// The wire form.
    public var json: JSON {
        var o: [String: JSON] = [
            "kinds": .array(kinds.map { .string($0.rawValue) }),
            "maxBatch": .number(Double(maxBatch)),
            "maxConcurrentRequests": .number(Double(maxConcurrentRequests)),
            "needsReference": .bool(needsReference),
            "deterministic": .bool(deterministic),
        ]
        if let stepTag { o["stepTag"] = .string(stepTag) }
        return .object(o)
    }
}

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
