/// Method names and the protocol version (see `Plugins/PROTOCOL.md`).
public enum PluginMethod {
    /// Request, first message of a session: version and capability negotiation.
    public static let initialize = "initialize"
    /// Request: judge a batch of items.
    public static let verify = "verify"
    /// Notification: stop working on a request (`params.id`); it still gets exactly one response.
    public static let cancel = "$/cancel"
    /// Request: finish outstanding work and prepare to exit when stdin closes.
    public static let shutdown = "shutdown"

    /// The protocol version this library speaks.
    public static let protocolVersion = 1
    /// Every protocol version this library can speak.
    public static let supportedVersions = [1]
}

/// What a plugin judges: finished answers (`outcome`) and/or partial paths (`step`).
public enum VerifyKind: String, Hashable, Sendable, CaseIterable {
    case outcome
    case step
}

/// Name and version of one side of a session.
public struct PeerInfo: Hashable, Sendable {
    /// The program's name (plugins: the executable's name).
    public var name: String
    /// Free-form version text.
    public var version: String
    /// Creates the info.
    public init(name: String, version: String) {
        self.name = name
        self.version = version
    }
    /// Reads `{name, version}`; `field` names the member in errors.
    public init(json: JSON, field: String) throws {
        name = try json.requiredString("name", in: field)
        version = json["version"]?.string ?? ""
    }
    /// The wire form.
    public var json: JSON { ["name": .string(name), "version": .string(version)] }
}

extension JSON {
    /// The member `key`, or an `.invalidParams` error naming `owner.key`. The owner's path is built
    /// only for the error message.
    func required(_ key: String, in owner: @autoclosure () -> String) throws -> JSON {
        guard case .object(let o) = self, let value = o[key], value != .null else {
            throw PluginProtocolError(.invalidParams, "missing field \"\(owner()).\(key)\"")
        }
        return value
    }

    func requiredString(_ key: String, in owner: @autoclosure () -> String) throws -> String {
        guard let s = try required(key, in: owner()).string else {
            throw PluginProtocolError(.invalidParams, "field \"\(owner()).\(key)\" must be a string")
        }
        return s
    }

    func requiredInt(_ key: String, in owner: @autoclosure () -> String) throws -> Int {
        guard let i = try required(key, in: owner()).int else {
            throw PluginProtocolError(.invalidParams, "field \"\(owner()).\(key)\" must be an integer")
        }
        return i
    }
}
