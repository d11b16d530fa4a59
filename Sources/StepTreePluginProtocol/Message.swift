/// One JSON-RPC 2.0 message: a line of the plugin protocol.
public enum Message: Hashable, Sendable {
    /// A call that expects exactly one response with the same `id`.
    case request(id: JSON, method: String, params: JSON)
    /// A one-way message (no `id`); unknown notifications are ignored.
    case notification(method: String, params: JSON)
    /// A successful response.
    case response(id: JSON, result: JSON)
    /// An error response; `id` is `null` when the request could not be read.
    case error(id: JSON, error: PluginProtocolError)

    /// Reads one line (without its newline).
    /// - Throws: `.parseError` for bad JSON or UTF-8, `.invalidRequest` for JSON that is not a
    ///   JSON-RPC 2.0 message.
    public static func parse<Bytes: Collection>(_ line: Bytes) throws -> Message where Bytes.Element == UInt8 {
        let json: JSON
        do { json = try JSON.parse(line) } catch let e as JSONSyntaxError { throw PluginProtocolError(.parseError, e.description) }
        return try Message(json: json)
    }

    /// Interprets a parsed JSON value as a message. Unknown members are ignored.
    public init(json: JSON) throws {
        guard case .object(let o) = json else {
            throw PluginProtocolError(.invalidRequest, "a message must be a JSON object, got \(json.text.prefix(80))")
        }
        guard o["jsonrpc"] == "2.0" else {
            throw PluginProtocolError(.invalidRequest, "missing \"jsonrpc\": \"2.0\"", data: o["id"])
        }
        let id = o["id"]
        if let method = o["method"] {
            guard let name = method.string else { throw PluginProtocolError(.invalidRequest, "\"method\" must be a string") }
            let params = o["params"] ?? .null
            if let id {
                guard id.int != nil || id.string != nil else {
                    throw PluginProtocolError(.invalidRequest, "\"id\" must be an integer or a string")
                }
                self = .request(id: id, method: name, params: params)
            } else {
                self = .notification(method: name, params: params)
            }
            return
        }
        guard let id else { throw PluginProtocolError(.invalidRequest, "a message needs \"method\" or \"id\"") }
        if let error = o["error"] {
            self = .error(id: id, error: PluginProtocolError(json: error))
        } else if let result = o["result"] {
            self = .response(id: id, result: result)
        } else {
            throw PluginProtocolError(.invalidRequest, "response \(id.text) has neither \"result\" nor \"error\"")
        }
    }

    /// The message as a JSON object.
    public var json: JSON {
        switch self {
        case .request(let id, let method, let params):
            var o: [String: JSON] = ["jsonrpc": "2.0", "id": id, "method": .string(method)]
            if params != .null { o["params"] = params }
            return .object(o)
        case .notification(let method, let params):
            var o: [String: JSON] = ["jsonrpc": "2.0", "method": .string(method)]
            if params != .null { o["params"] = params }
            return .object(o)
        case .response(let id, let result):
            return ["jsonrpc": "2.0", "id": id, "result": result]
        case .error(let id, let error):
            return ["jsonrpc": "2.0", "id": id, "error": error.json]
        }
    }

    /// The wire form of a request whose params are already JSON text (see `VerifyParams.write`):
    /// the same bytes as `Message.request(...).line` (empty or `null` params are left out).
    public static func requestLine(id: Int, method: String, params: [UInt8]) -> [UInt8] {
        var out: [UInt8] = Array(#"{"id":"#.utf8)
        out.reserveCapacity(params.count + 64)
        JSON.writeNumber(Double(id), to: &out)
        out.append(contentsOf: #","jsonrpc":"2.0","method":"#.utf8)
        JSON.writeString(method, to: &out)
        if !params.isEmpty && params != Array("null".utf8) {
            out.append(contentsOf: #","params":"#.utf8)
            out.append(contentsOf: params)
        }
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    /// The wire form of a response whose result is already JSON text (see `ItemResult.write`).
    public static func responseLine(id: JSON, result: [UInt8]) -> [UInt8] {
        var out: [UInt8] = Array(#"{"id":"#.utf8)
        out.reserveCapacity(result.count + 48)
        id.write(to: &out)
        out.append(contentsOf: #","jsonrpc":"2.0","result":"#.utf8)
        out.append(contentsOf: result)
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    /// The wire form: compact JSON followed by one `\n`.
    public var line: [UInt8] {
        var out: [UInt8] = []
        json.write(to: &out)
        out.append(0x0A)
        return out
    }
}
