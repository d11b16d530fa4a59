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
