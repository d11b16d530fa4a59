import Foundation
import StepTreeCore

/// A prompt template: text with `{name}` placeholders filled from a problem's fields, plus
/// `{prompt}` for the preset's prompt field; `{{` and `}}` are literal braces. Arrays render as
/// their elements joined by spaces, numbers without a trailing `.0`.
///
///     Solve step by step.\n{question}\n
public struct PromptTemplate: Hashable, Sendable {
    public let text: String
    /// Where the template came from, for error messages.
    public let source: String

    public init(_ text: String, source: String = "template") {
        self.text = text
        self.source = source
    }

    /// Reads a template file.
    /// - Throws: `StoreError.io` naming the file.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let s = String(data: data, encoding: .utf8) else {
            throw StoreError(.io, "\(path): cannot read template")
        }
        self.init(s, source: path)
    }

    /// The identity template: just the prompt field.
    public static let identity = PromptTemplate("{prompt}", source: "default")

    /// Fills the placeholders.
    /// - Throws: `StoreError.template` naming the template and the missing placeholder.
    public func render(prompt: String, fields: [String: JSON]) throws -> String {
        var out = ""
        var i = text.startIndex
        while i < text.endIndex {
            let ch = text[i]
            let next = text.index(after: i)
            if (ch == "{" || ch == "}") && next < text.endIndex && text[next] == ch {
                out.append(ch)
                i = text.index(after: next)
                continue
            }
            if ch == "{", let close = text[next...].firstIndex(of: "}") {
                let name = String(text[next..<close])
                if name == "prompt" { out += prompt }
                else if let v = fields[name] { out += Self.render(v) }
                else { throw StoreError(.template, "\(source): placeholder {\(name)} names no field of the problem") }
                i = text.index(after: close)
                continue
            }
            out.append(ch)
            i = next
        }
        return out
    }

    static func render(_ v: JSON) -> String {
        switch v {
        case .array(let a): return a.map(render).joined(separator: " ")
        case .null: return ""
        case .object: return (try? String(data: JSONEncoder().encode(v), encoding: .utf8) ?? "") ?? ""
        default: return v.scalarText ?? ""
        }
    }
}
