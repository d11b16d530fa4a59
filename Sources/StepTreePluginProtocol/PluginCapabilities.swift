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
