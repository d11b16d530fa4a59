import Foundation
import StepTreeCore

extension JSONValue {
    /// The value as an integer, when it is an integral number.
    var intValue: Int? {
        guard case .number(let d) = self, d.rounded() == d, abs(d) < 1e15 else { return nil }
        return Int(d)
    }

    /// The value as token ids, when it is an array of integral numbers.
    var tokenIDs: [Int32]? {
        guard let a = arrayValue else { return nil }
        var ids: [Int32] = []
        ids.reserveCapacity(a.count)
        for v in a {
            guard let i = v.intValue, let id = Int32(exactly: i) else { return nil }
            ids.append(id)
        }
        return ids
    }

    /// The value as floats, with nulls (the OpenAI API's "no logprob here") as nil.
    var floats: [Float]? {
        guard let a = arrayValue else { return nil }
        var out: [Float] = []
        out.reserveCapacity(a.count)
        for v in a {
            guard let d = v.doubleValue else { return nil }
            out.append(Float(d))
        }
        return out
    }

    /// Token ids as a JSON array.
    static func tokens(_ ids: [Int32]) -> JSONValue { .array(ids.map { .number(Double($0)) }) }

    /// JSON text of the value.
    func encoded() -> Data { JSONWire.encode(self) }

    /// Parses JSON text.
    static func decode(_ data: Data) throws -> JSONValue { try JSONWire.parse(data) }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// Sets `key` only when `value` is non-nil (optional request fields).
    mutating func set(_ key: String, _ value: JSONValue?) {
        if let value { self[key] = value }
    }
}
