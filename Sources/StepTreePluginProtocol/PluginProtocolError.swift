/// An error of the plugin protocol: a malformed line, a message that breaks the rules, or a
/// JSON-RPC error object received from (or sent to) the other side.
///
/// The `code` is the JSON-RPC error code that goes on the wire; messages name the object at
/// fault (the field, the byte offset, the request id).
public struct PluginProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A JSON-RPC error code. A struct of static members, so codes can be added without breaking
    /// clients that switch over them.
    public struct Code: RawRepresentable, Hashable, Sendable {
        public var rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// -32700: the line is not valid JSON (or not UTF-8).
        public static let parseError = Code(rawValue: -32700)
        /// -32600: valid JSON but not a JSON-RPC 2.0 message.
        public static let invalidRequest = Code(rawValue: -32600)
        /// -32601: the method is unknown (requests only; unknown notifications are ignored).
        public static let methodNotFound = Code(rawValue: -32601)
        /// -32602: params are missing or malformed, or the protocol version is unsupported.
        public static let invalidParams = Code(rawValue: -32602)
        /// -32603: the plugin failed while handling the request (a bug, not a verdict).
        public static let internalError = Code(rawValue: -32603)
        /// -32002: a request other than `initialize` arrived before `initialize`.
        public static let notInitialized = Code(rawValue: -32002)
        /// -32003: the line is longer than the receiver accepts.
        public static let lineTooLong = Code(rawValue: -32003)
        /// -32800: the request was cancelled by `$/cancel` before it finished.
        public static let requestCancelled = Code(rawValue: -32800)
    }

    /// The JSON-RPC error code.
    public var code: Code
    /// A message naming the object at fault.
    public var message: String
    /// Optional structured detail (for example `{"supported": [1], "requested": 2}`).
    public var data: JSON?

    /// Creates an error with a code and a message that names the object at fault.
    public init(_ code: Code, _ message: String, data: JSON? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    /// The message with its code.
    public var description: String { "\(message) (JSON-RPC error \(code.rawValue))" }

    /// The JSON-RPC error object: `{"code", "message", "data"?}`.
    public var json: JSON {
        var o: [String: JSON] = ["code": .number(Double(code.rawValue)), "message": .string(message)]
        if let data { o["data"] = data }
        return .object(o)
    }

    /// Reads a JSON-RPC error object; a malformed one becomes an `.invalidRequest` error.
    public init(json: JSON) {
        guard let code = json["code"]?.int, let message = json["message"]?.string else {
            self.init(.invalidRequest, "malformed error object: \(json.text)")
            return
        }
        self.init(Code(rawValue: code), message, data: json["data"])
    }
}
