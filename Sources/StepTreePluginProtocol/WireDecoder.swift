/// A line decoded on the fast path: `verify` params and results are read straight from the bytes
/// into `VerifyParams` / `VerifyResult`, without building a JSON tree for every item. Anything
/// else (and any line the fast path cannot take) comes back as a plain `Message`.
public enum DecodedLine: Sendable {
    case message(Message)
    /// A `verify` request whose params are valid.
    case verifyRequest(id: JSON, params: VerifyParams)
    /// A response with a valid `verify` result (for an id the caller said was a verify request).
    case verifyResponse(id: JSON, result: VerifyResult)
}

/// Decodes protocol lines with the fast path for `verify` (see `DecodedLine`).
public enum WireDecoder {
    /// Decodes one line (without its newline).
    /// - Parameter isVerify: whether a response id belongs to an outstanding `verify` request.
    /// - Throws: the same errors as `Message.parse`; invalid verify params or results are not
    ///   thrown here but returned as a plain `Message`, so the caller reports them as before.
    public static func decode<Bytes: Collection>(_ line: Bytes, isVerify: (JSON) -> Bool = { _ in false }) throws -> DecodedLine
        where Bytes.Element == UInt8 {
        let bytes = Array(line)
        if let fast = try? bytes.withUnsafeBufferPointer({ try fastPath($0, isVerify) }) {
            return fast
        }
        return .message(try Message.parse(bytes))
    }

    /// nil when the line is not a verify request/response with the id before the payload.
    private static func fastPath(_ buffer: UnsafeBufferPointer<UInt8>, _ isVerify: (JSON) -> Bool) throws -> DecodedLine? {
        var p = JSONParser(bytes: buffer)
        p.skipSpace()
        guard p.index < buffer.count, buffer[p.index] == UInt8(ascii: "{") else { return nil }
        var id: JSON?, method: String?, version: String?
        var params: VerifyParams?, result: VerifyResult?
        try p.members { p, key in
            switch key {
            case "id": id = try p.value(depth: 1)
            case "jsonrpc": version = try p.value(depth: 1).string
            case "method": method = try p.value(depth: 1).string
            case "params" where method == PluginMethod.verify && id != nil: params = try VerifyParams(reading: &p)
            case "result" where id != nil && method == nil && isVerify(id!): result = try VerifyResult(reading: &p)
            default: return false
            }
            return true
        }
        p.skipSpace()
        guard p.index == buffer.count, version == "2.0", let id, id.int != nil || id.string != nil else { return nil }
        if let params, method == PluginMethod.verify { return .verifyRequest(id: id, params: params) }
        if let result, method == nil { return .verifyResponse(id: id, result: result) }
        return nil
    }
}

extension VerifyParams {
    /// Reads params straight from the parser; any deviation throws (the caller falls back).
    init(reading p: inout JSONParser) throws {
        var kind: VerifyKind?, items: [VerifyItem]?, timeoutMs: Int?
        try p.members { p, key in
            switch key {
            case "kind": kind = VerifyKind(rawValue: try p.stringValue())
            case "timeoutMs": timeoutMs = try p.value(depth: 2).int
            case "items":
                var list: [VerifyItem] = []
                try p.elements { p in list.append(try VerifyItem(reading: &p)) }
                items = list
            default: return false
            }
            return true
        }
        guard let kind, let items else { throw PluginProtocolError(.invalidParams, "fast path: incomplete params") }
        self.init(kind: kind, items: items, timeoutMs: timeoutMs)
    }
}

extension VerifyItem {
    init(reading p: inout JSONParser) throws {
        var id: String?, problemID: String?, prompt = "", fields: [String: JSON] = [:], reference: String?
        var steps: [String]?, finished = true
        try p.members { p, key in
            switch key {
            case "id": id = try p.stringValue()
            case "reference":
                let value = try p.value(depth: 3)
                reference = value.string
            case "finished":
                guard let b = try p.value(depth: 3).bool else { throw PluginProtocolError(.invalidParams, "fast path") }
                finished = b
            case "steps":
                var list: [String] = []
                try p.elements { p in list.append(try p.stringValue()) }
                steps = list
            case "problem":
                try p.members { p, key in
                    switch key {
                    case "id": problemID = try p.stringValue()
                    case "prompt": prompt = try p.stringValue()
                    case "fields":
                        guard let o = try p.value(depth: 4).object else { throw PluginProtocolError(.invalidParams, "fast path") }
                        fields = o
                    default: return false
                    }
                    return true
                }
            default: return false
            }
            return true
        }
        guard let id, let problemID, let steps else { throw PluginProtocolError(.invalidParams, "fast path: incomplete item") }
        self.init(id: id, problemID: problemID, prompt: prompt, fields: fields, reference: reference, steps: steps, finished: finished)
    }
}

extension VerifyResult {
    init(reading p: inout JSONParser) throws {
        var results: [ItemResult]?
        try p.members { p, key in
            guard key == "results" else { return false }
            var list: [ItemResult] = []
            try p.elements { p in list.append(try ItemResult(reading: &p)) }
            results = list
            return true
        }
        guard let results else { throw PluginProtocolError(.invalidParams, "fast path: no results") }
        self.init(results: results)
    }
}

extension ItemResult {
    init(reading p: inout JSONParser) throws {
        var id: String?, status: ItemStatus?, score: Double?, stepScores: [Double]?, answer: String?, detail: String?
        try p.members { p, key in
            switch key {
            case "id": id = try p.stringValue()
            case "status": status = ItemStatus(rawValue: try p.stringValue())
            case "score": score = try p.value(depth: 3).number
            case "answer": answer = try p.value(depth: 3).string
            case "detail": detail = try p.value(depth: 3).string
            case "stepScores":
                let value = try p.value(depth: 3)
                if value != .null {
                    guard let list = value.array?.compactMap(\.number), list.count == value.array?.count else {
                        throw PluginProtocolError(.invalidParams, "fast path")
                    }
                    stepScores = list
                }
            default: return false
            }
            return true
        }
        guard let id, let status, let score, score >= 0, score <= 1 else {
            throw PluginProtocolError(.invalidParams, "fast path: incomplete result")
        }
        self.init(id: id, status: status, score: score, stepScores: stepScores, answer: answer, detail: detail)
    }
}
