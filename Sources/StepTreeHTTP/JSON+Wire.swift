import Foundation
import StepTreeCore

extension JSON {
    /// The value as token ids, when it is an array of integral numbers.
    var tokenIDs: [Int32]? {
        guard let a = array else { return nil }
        var ids: [Int32] = []
        ids.reserveCapacity(a.count)
        for v in a {
            guard let i = v.int, let id = Int32(exactly: i) else { return nil }
            ids.append(id)
        }
        return ids
    }

    /// The value as floats, with nulls (the OpenAI API's "no logprob here") as nil.
    var floats: [Float]? {
        guard let a = array else { return nil }
        var out: [Float] = []
        out.reserveCapacity(a.count)
        for v in a {
            guard let d = v.number else { return nil }
            out.append(Float(d))
        }
        return out
    }

    /// Token ids as a JSON array.
    static func tokens(_ ids: [Int32]) -> JSON { .array(ids.map { .number(Double($0)) }) }

    /// JSON text of the value, as a request body.
    func encoded() -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out)
        return Data(out)
    }

    /// Parses a response body.
    /// - Throws: `HTTPGeneratorError` with code `badResponse`, naming the byte offset.
    static func decode(_ data: Data) throws -> JSON {
        do { return try JSON.parse(data) } catch let e as JSONSyntaxError {
            throw HTTPGeneratorError(.badResponse, "JSON at byte \(e.offset): \(e.message)")
        }
    }
}

extension Dictionary where Key == String, Value == JSON {
    /// Sets `key` only when `value` is non-nil (optional request fields).
    mutating func set(_ key: String, _ value: JSON?) {
        if let value { self[key] = value }
    }
}
