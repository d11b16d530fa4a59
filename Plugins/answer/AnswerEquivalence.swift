/// Decides whether an extracted answer equals the reference. The rules (and their limits) are
/// listed in README.md; in short: light LaTeX normalisation, then exact text, multiple-choice
/// letters, numbers (with tolerance, thousands separators, percent, units), and element-wise
/// tuples.
struct AnswerEquivalence: Sendable {
    private let spaces = try! PCREPattern(#"\s+"#)
    private let textCommand = try! PCREPattern(#"\\(?:text|textbf|textrm|mathrm|mathbf|mbox|operatorname)\s*\{((?:[^{}\\]|\\.)*)\}"#)
    private let dropped = try! PCREPattern(#"\\left\b|\\right\b|\\displaystyle\b|(?<!\\)\\[,;:! ]|\\q?quad\b|\^\s*\{?\\circ\}?|°"#)
    private let fracShort = try! PCREPattern(#"\\frac\s*(\d)\s*(\d)"#)
    private let fracHalfShort = try! PCREPattern(#"\\frac\s*(\{[^{}]*\})\s*(\d)"#)
    private let sqrtShort = try! PCREPattern(#"\\sqrt\s*(\w)"#)
    private let assignment = try! PCREPattern(#"^[A-Za-z]\w*=(?!=)(?=.)"#)
    private let fraction = try! PCREPattern(#"^(-?)\\frac\{(-?[0-9.]+)\}\{(-?[0-9.]+)\}$"#)
    private let slash = try! PCREPattern(#"^(-?[0-9.]+)/(-?[0-9.]+)$"#)
    private let thousands = try! PCREPattern(#"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"#)
    private let unitSuffix = try! PCREPattern(#"^(.*?\d)([A-Za-z]{2,}(?:\^?\d)?)$"#)
    private let choice = try! PCREPattern(#"^\(?([A-Ea-e])[).]?$"#)

    /// Whether `prediction` and `reference` denote the same answer.
    func equivalent(_ prediction: String, _ reference: String) -> Bool {
        if let x = Int(prediction), let y = Int(reference) { return x == y } // the common GSM8K case, no rewriting needed
        return same(normalize(prediction), normalize(reference))
    }

    /// The normalised form used for comparison (also reported in `detail`). Each rewrite runs only
    /// when its trigger character occurs, so plain numbers cost a few scans.
    func normalize(_ raw: String) -> String {
        var s = raw
        if s.utf8.contains(UInt8(ascii: "\\")) {
            s = s.replacingAll("\\$", with: "").replacingAll("\\dfrac", with: "\\frac").replacingAll("\\tfrac", with: "\\frac")
                .replacingAll("\\%", with: "%")
            s = textCommand.replacingMatches(in: s) { String($0[1] ?? "") }
            s = textCommand.replacingMatches(in: s) { String($0[1] ?? "") } // one level of nesting
            s = dropped.replacingMatches(in: s) { _ in "" }
            s = s.replacingAll("\\(", with: "").replacingAll("\\)", with: "").replacingAll("\\[", with: "").replacingAll("\\]", with: "")
            s = fracShort.replacingMatches(in: s) { "\\frac{\($0[1]!)}{\($0[2]!)}" }
            s = fracHalfShort.replacingMatches(in: s) { "\\frac\($0[1]!){\($0[2]!)}" }
            s = sqrtShort.replacingMatches(in: s) { "\\sqrt{\($0[1]!)}" }
        }
        if !s.utf8.allSatisfy({ $0 < 0x80 }) {
            s = s.replacingAll("°", with: "").replacingAll("€", with: "").replacingAll("£", with: "")
        }
        s = s.replacingAll("$", with: "")
        if s.utf8.contains(where: { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }) || !s.utf8.allSatisfy({ $0 < 0x80 }) {
            s = spaces.replacingMatches(in: s) { _ in "" }
        }
        while s.hasSuffix(".") { s.removeLast() }
        if s.utf8.contains(UInt8(ascii: "=")) { s = assignment.replacingMatches(in: s) { _ in "" } }
        return s
    }

    private func same(_ a: String, _ b: String) -> Bool {
        if a == b { return !a.isEmpty }
        if let x = letter(a), let y = letter(b) { return x == y }
        if let x = number(a), let y = number(b) {
            if close(x.value, y.value) { return true }
            if x.percent != y.percent {
                return x.percent ? close(x.value / 100, y.value) : close(x.value, y.value / 100)
            }
            return false
        }
        if let xs = elements(a), let ys = elements(b), xs.brackets == ys.brackets, xs.items.count == ys.items.count {
            return zip(xs.items, ys.items).allSatisfy { same($0, $1) }
        }
        if isPlainWord(a), isPlainWord(b) { return a.lowercased() == b.lowercased() }
        return false
    }

    /// Integers compare exactly; anything else within a relative 1e-6 (so 0.333333 equals 1/3,
    /// 0.33 does not).
    private func close(_ x: Double, _ y: Double) -> Bool {
        if x.rounded() == x, y.rounded() == y { return x == y }
        return abs(x - y) <= 1e-6 * max(1, abs(x), abs(y))
    }

    private func letter(_ s: String) -> Character? {
        guard s.count <= 3, let groups = choice.firstMatch(in: s), let l = groups[1] else { return nil }
        return Character(l.uppercased())
    }

    /// A number with its percent flag: integers, decimals, `a/b`, `\frac{a}{b}`, thousands
    /// separators, a trailing `%`, and a trailing unit word of two or more letters.
    func number(_ raw: String) -> (value: Double, percent: Bool)? {
        var s = Substring(raw)
        var percent = false
        if s.hasSuffix("%") {
            percent = true
            s.removeLast()
        }
        if let last = s.utf8.last, (last | 0x20) >= UInt8(ascii: "a"), (last | 0x20) <= UInt8(ascii: "z"),
           let groups = unitSuffix.firstMatch(in: String(s)), let head = groups[1], !head.hasSuffix("\\") {
            s = head
        }
        var text = String(s)
        if text.contains(",") {
            guard thousands.firstMatch(in: text) != nil else { return nil }
            text = text.replacingAll(",", with: "")
        }
        if let v = plainNumber(text) { return (v, percent) }
        if let g = fraction.firstMatch(in: text), let n = plainNumber(String(g[2]!)), let d = plainNumber(String(g[3]!)), d != 0 {
            return ((g[1]! == "-" ? -1 : 1) * n / d, percent)
        }
        if let g = slash.firstMatch(in: text), let n = plainNumber(String(g[1]!)), let d = plainNumber(String(g[2]!)), d != 0 {
            return (n / d, percent)
        }
        return nil
    }

    private func plainNumber(_ s: String) -> Double? {
        guard !s.isEmpty, s.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D }),
              s.utf8.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Double(s.hasPrefix(".") ? "0" + s : s.hasPrefix("-.") ? "-0" + s.dropFirst() : s)
    }

    /// Top-level comma-separated elements inside outer brackets (`(a,b)`, `[a,b)`, `\{a,b\}`) and the
    /// bracket pair, which must be the same for two answers to be equal.
    private func elements(_ s: String) -> (brackets: String, items: [String])? {
        var body = Substring(s)
        guard let first = s.first, let last = s.last else { return nil }
        var brackets = String([first, last])
        if body.hasPrefix("\\{"), body.hasSuffix("\\}") {
            body = body.dropFirst(2).dropLast(2)
            brackets = "{}"
        } else {
            guard first == "(" || first == "[", last == ")" || last == "]" else { return nil }
            body = body.dropFirst().dropLast()
        }
        var items: [String] = [], depth = 0, current = ""
        for c in body {
            if c == "(" || c == "[" || c == "{" { depth += 1 }
            if c == ")" || c == "]" || c == "}" { depth -= 1 }
            if c == ",", depth == 0 {
                items.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        items.append(current)
        return items.count >= 2 ? (brackets, items) : nil
    }

    private func isPlainWord(_ s: String) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "'" }
    }
}

extension String {
    /// Every occurrence of `target` replaced (byte-wise on UTF-8, without Foundation).
    func replacingAll(_ target: String, with replacement: String) -> String {
        let t = Array(target.utf8)
        guard let first = t.first, utf8.contains(first) else { return self }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        let bytes = Array(utf8)
        var i = 0
        var changed = false
        while i < bytes.count {
            if bytes[i] == first, i + t.count <= bytes.count, bytes[i..<i + t.count].elementsEqual(t) {
                out.append(contentsOf: replacement.utf8)
                i += t.count
                changed = true
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return changed ? String(decoding: out, as: UTF8.self) : self
    }
}
