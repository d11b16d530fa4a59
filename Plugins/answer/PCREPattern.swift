import CPCRE2

/// A JIT-compiled PCRE2 pattern (8-bit, UTF mode).
///
/// Thread-safe: the compiled code is shared, match data is per call. The first `pcre2_match` on
/// a subject checks its UTF-8; the following calls on the same subject (finding the next match)
/// pass `PCRE2_NO_UTF_CHECK`, since rechecking the whole subject each time is what makes
/// PCRE2 matching slow on long text.
final class PCREPattern: @unchecked Sendable {
    private let code: OpaquePointer
    let source: String

    /// Compiles `pattern` with `options` (`PCRE2_UTF` is always added) and JIT-compiles it.
    init(_ pattern: String, options: UInt32 = 0) throws {
        var errorCode: Int32 = 0
        var errorOffset = 0
        let compiled = pattern.withCString { p in
            pcre2_compile_8(UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), pattern.utf8.count,
                            UInt32(PCRE2_UTF) | options, &errorCode, &errorOffset, nil)
        }
        guard let compiled else {
            var buffer = [UInt8](repeating: 0, count: 256)
            _ = pcre2_get_error_message_8(errorCode, &buffer, buffer.count)
            let message = String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
            throw AnswerError("pattern \(pattern.debugDescription) does not compile at offset \(errorOffset): \(message)")
        }
        code = compiled
        source = pattern
        pcre2_jit_compile_8(code, UInt32(PCRE2_JIT_COMPLETE)) // falls back to the interpreter if JIT is unavailable
    }

    deinit { pcre2_code_free_8(code) }

    /// Calls `body` with the capture groups (group 0 is the whole match) of every match, in order.
    func forEachMatch(in text: String, _ body: ([Substring?]) -> Void) {
        var subject = text
        subject.withUTF8 { bytes in
            guard let data = pcre2_match_data_create_from_pattern_8(code, nil) else { return }
            defer { pcre2_match_data_free_8(data) }
            let base = bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!
            var offset = 0
            var options: UInt32 = 0
            while offset <= bytes.count {
                let rc = pcre2_match_8(code, base, bytes.count, offset, options, data, nil)
                if rc < 0 { return }
                options = UInt32(PCRE2_NO_UTF_CHECK)
                let vector = pcre2_get_ovector_pointer_8(data)!
                var groups: [Substring?] = []
                for g in 0..<Int(rc) {
                    let start = vector[2 * g], end = vector[2 * g + 1]
                    if start == -1 { // PCRE2_UNSET (~(size_t)0), which Swift does not import
                        groups.append(nil)
                    } else {
                        let lower = text.utf8.index(text.utf8.startIndex, offsetBy: start)
                        let upper = text.utf8.index(lower, offsetBy: end - start)
                        groups.append(text[lower..<upper])
                    }
                }
                body(groups)
                let end = vector[1]
                if end > vector[0] {
                    offset = end
                } else {
                    offset = end + 1 // empty match: step over one whole character
                    while offset < bytes.count, bytes[offset] & 0xC0 == 0x80 { offset += 1 }
                }
            }
        }
    }

    /// The capture groups of the last match, or nil.
    func lastMatch(in text: String) -> [Substring?]? {
        var last: [Substring?]?
        forEachMatch(in: text) { last = $0 }
        return last
    }

    /// The capture groups of the first match, or nil.
    func firstMatch(in text: String) -> [Substring?]? {
        var first: [Substring?]?
        forEachMatch(in: text) { if first == nil { first = $0 } }
        return first
    }

    /// `text` with every match replaced by `replacement(groups)`.
    func replacingMatches(in text: String, with replacement: ([Substring?]) -> String) -> String {
        var result = ""
        var position = text.startIndex
        forEachMatch(in: text) { groups in
            guard let whole = groups[0] else { return }
            result += text[position..<whole.startIndex]
            result += replacement(groups)
            position = whole.endIndex
        }
        if position == text.startIndex { return text }
        result += text[position...]
        return result
    }
}

/// A failure of verifier-answer (a bad pattern argument); never a verdict.
struct AnswerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
