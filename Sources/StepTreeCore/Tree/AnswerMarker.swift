/// Recognises the step that completes an answer and extracts the answer from it, per problem
/// preset: countdown `answer:` at the start of a line, GSM8K `####`, MATH `\boxed{...}`.
public struct AnswerMarker: Hashable, Sendable, Codable {
    /// The marker text.
    public var marker: String
    /// The marker must start the step (after leading spaces).
    public var atLineStart: Bool
    /// The answer is the brace-balanced group the marker opens (`\boxed{`), not the rest of the line.
    public var braced: Bool

    public init(_ marker: String, atLineStart: Bool = false, braced: Bool = false) {
        self.marker = marker
        self.atLineStart = atLineStart
        self.braced = braced
    }

    /// Whether a step's text contains the marker.
    public func matches(_ step: String) -> Bool { range(in: step) != nil }

    /// The answer in a step, or nil when the marker is absent.
    public func extract(from step: String) -> String? {
        guard let r = range(in: step) else { return nil }
        if braced {
            var depth = 1
            var out = ""
            for ch in step[r.upperBound...] {
                if ch == "{" { depth += 1 } else if ch == "}" { depth -= 1; if depth == 0 { return out } }
                out.append(ch)
            }
            return nil
        }
        let rest = step[r.upperBound...].prefix { $0 != "\n" }
        let trimmed = rest.drop { $0 == " " }.reversed().drop { $0 == " " || $0 == "\r" }.reversed()
        return String(trimmed).replacingAll(",", with: "")
    }

    private func range(in step: String) -> Range<String.Index>? {
        guard let offset = byteOffset(in: step) else { return nil }
        let u = step.utf8
        let lower = u.index(u.startIndex, offsetBy: offset)
        return lower..<u.index(lower, offsetBy: marker.utf8.count)
    }

    /// UTF-8 offset of the marker in `step` (at a line start, after spaces, when `atLineStart`).
    private func byteOffset(in step: String) -> Int? {
        var step = step
        var marker = marker
        return step.withUTF8 { s in
            marker.withUTF8 { m -> Int? in
                guard !m.isEmpty, s.count >= m.count else { return nil }
                var i = 0
                var lineStart = true
                while i + m.count <= s.count {
                    if atLineStart {
                        if s[i] == UInt8(ascii: "\n") { lineStart = true; i += 1; continue }
                        if lineStart && s[i] == UInt8(ascii: " ") { i += 1; continue }
                        if !lineStart { i += 1; continue }
                        lineStart = false
                    }
                    var j = 0
                    while j < m.count && s[i + j] == m[j] { j += 1 }
                    if j == m.count { return i }
                    i += 1
                }
                return nil
            }
        }
    }

    /// The answer of a finished path: an outcome verifier's extracted answer when there is one,
    /// else the marker's extraction from the last step, else the last step's trimmed text.
    public static func answer(of node: NodeID, in tree: SearchTree, marker: AnswerMarker?) -> String? {
        if let v = tree.verdicts[node.rawValue]?.first(where: { $0.kind == .outcome && $0.outcome.answer != nil }) {
            return v.outcome.answer
        }
        let text = tree.texts[node.index]
        if let marker, let a = marker.extract(from: text) { return a }
        let t = text.drop { $0 == " " || $0 == "\n" }.reversed().drop { $0 == " " || $0 == "\n" }.reversed()
        return t.isEmpty ? nil : String(t)
    }
}

extension String {
    func replacingAll(_ a: Character, with b: String) -> String {
        guard contains(a) else { return self }
        var out = ""
        for ch in self { if ch == a { out += b } else { out.append(ch) } }
        return out
    }
}
