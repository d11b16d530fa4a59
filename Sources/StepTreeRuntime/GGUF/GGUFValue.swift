/// One typed metadata value of a GGUF file (ggml `docs/gguf.md`, `gguf_metadata_value_type`).
public enum GGUFValue: Equatable, Sendable {
    case uint(UInt64)
    case int(Int64)
    case float(Double)
    case bool(Bool)
    case string(String)
    case array([GGUFValue])

    /// The value as an integer, when it is one (any width, signed or not).
    public var intValue: Int? {
        switch self {
        case .uint(let v): return v <= UInt64(Int.max) ? Int(v) : nil
        case .int(let v): return Int(v)
        default: return nil
        }
    }

    /// The value as a floating-point number, when it is numeric.
    public var doubleValue: Double? {
        switch self {
        case .float(let v): return v
        case .uint(let v): return Double(v)
        case .int(let v): return Double(v)
        default: return nil
        }
    }

    /// The value as a string, when it is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value as a boolean, when it is one.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The elements, when the value is an array.
    public var arrayValue: [GGUFValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// A short rendering for `steptree inspect` (arrays summarised by length).
    public var summary: String {
        switch self {
        case .uint(let v): return String(v)
        case .int(let v): return String(v)
        case .float(let v): return String(v)
        case .bool(let v): return String(v)
        case .string(let s): return s.count > 60 ? "\"\(s.prefix(57))...\"" : "\"\(s)\""
        case .array(let a): return "[\(a.count) items]"
        }
    }
}
