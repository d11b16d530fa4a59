/// A JSON value: problem fields, tree-file run options, plugin messages and server bodies.
///
/// The one JSON type of StepTree, in a module without dependencies (plugin authors link the
/// protocol module, which re-exports it, alone). It has a fast parser (`JSON.parse`), a compact
/// writer (`JSON.text`) and `Codable`. Objects keep their keys in a dictionary: key order is not
/// significant anywhere StepTree reads JSON.
public enum JSON: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    /// The string, when this is a string.
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The text of a scalar: a string as it is, an integral number without a fraction, a Boolean
    /// as `true`/`false`; nil for null, arrays and objects. For fields that may be written either
    /// way (`"id": 7` or `"id": "7"`).
    public var scalarText: String? {
        switch self {
        case .string(let s): return s
        case .number(let d):
            if d.rounded() == d, abs(d) < 1e15 { return String(Int64(d)) }
            return String(d)
        case .bool(let b): return String(b)
        default: return nil
        }
    }

    /// The number, when this is a number.
    public var number: Double? {
        if case .number(let d) = self { return d }
        return nil
    }

    /// The number as an integer, when it is an integral number that fits.
    public var int: Int? {
        guard case .number(let d) = self, d.rounded() == d, abs(d) < 9.0e15 else { return nil }
        return Int(d)
    }

    /// The Boolean, when this is a Boolean.
    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The elements, when this is an array.
    public var array: [JSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The members, when this is an object.
    public var object: [String: JSON]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// True for `null`.
    public var isNull: Bool { self == .null }

    /// The member named `key` of an object; nil for absent members and for non-objects.
    public subscript(key: String) -> JSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    /// A string literal is a JSON string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An integer literal is a JSON number.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// A float literal is a JSON number.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// A Boolean literal is a JSON Boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An array literal is a JSON array.
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    /// A dictionary literal is a JSON object (the last of duplicate keys wins).
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    /// `nil` is JSON `null`.
    public init(nilLiteral: ()) { self = .null }
}
