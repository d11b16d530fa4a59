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
