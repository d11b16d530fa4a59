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
