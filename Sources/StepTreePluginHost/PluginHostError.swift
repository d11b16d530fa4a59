/// An error of the plugin host. Messages name the plugin (and the request id where there is one)
/// and, for a plugin that died, quote the last lines of its stderr.
public struct PluginHostError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong; a struct of static members so codes can be added without breaking clients.
    public struct Code: RawRepresentable, Hashable, Sendable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The `--verifier` spec is malformed.
        public static let badSpec = Code(rawValue: "badSpec")
        /// No executable `verifier-<name>` was found.
        public static let notFound = Code(rawValue: "notFound")
        /// The executable could not be started.
        public static let spawnFailed = Code(rawValue: "spawnFailed")
        /// `initialize` failed: no answer, an error, or an unusable result.
        public static let handshakeFailed = Code(rawValue: "handshakeFailed")
        /// The plugin exited (or closed stdout) while requests were outstanding.
        public static let exited = Code(rawValue: "exited")
        /// A request got no response within the timeout plus the cancel grace period.
        public static let timedOut = Code(rawValue: "timedOut")
        /// The plugin wrote something that is not a protocol message to stdout.
        public static let protocolViolation = Code(rawValue: "protocolViolation")
        /// The plugin answered a request with a JSON-RPC error.
        public static let remoteError = Code(rawValue: "remoteError")
        /// The plugin answered a cancelled request with error -32800 instead of a partial result.
        public static let cancelled = Code(rawValue: "cancelled")
        /// The plugin was restarted too often; it is given up for the rest of the run.
        public static let gaveUp = Code(rawValue: "gaveUp")
        /// The host was shut down.
        public static let shutDown = Code(rawValue: "shutDown")
    }

    /// What went wrong.
    public var code: Code
    /// A message naming the plugin (and request id), for people.
    public var message: String

    /// Creates an error; `message` must name the plugin at fault.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
