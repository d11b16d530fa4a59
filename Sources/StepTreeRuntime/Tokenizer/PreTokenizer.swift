import CPCRE2

/// Splits text into the chunks byte-level BPE merges within, with the regular expression of the
/// model's `tokenizer.ggml.pre` (PCRE2 with Unicode properties). Text between matches is kept as
/// its own chunk, so splitting never drops bytes.
final class PreTokenizer: @unchecked Sendable {
    /// GPT-2's split pattern (`default`, `gpt2`).
    static let gpt2 = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    /// Llama 3's split pattern (`llama-bpe`): digits in groups of up to three.
    static let llama3 = #"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    /// Qwen2's split pattern (`qwen2`): single digits.
    static let qwen2 = #"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The pattern for a `tokenizer.ggml.pre` value.
    static func pattern(forPre pre: String) throws -> String {
        switch pre {
        case "default", "gpt2", "gpt-2": return gpt2
        case "llama3", "llama-v3", "llama-bpe", "smaug-bpe": return llama3
        case "qwen2", "qwen": return qwen2
        default: throw RuntimeError(.unsupported, "tokenizer.ggml.pre '\(pre)' is not supported (supported: default, gpt2, llama-bpe, qwen2)")
        }
    }

    private let code: OpaquePointer
    private let matchData: OpaquePointer

    init(pattern: String) throws {
        var error: Int32 = 0
        var offset = 0
        let compiled = pattern.withCString { p in
            pcre2_compile_8(UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), pattern.utf8.count,
                            UInt32(PCRE2_UTF | PCRE2_UCP), &error, &offset, nil)
        }
        guard let compiled else {
            throw RuntimeError(.unsupported, "pre-tokenizer pattern does not compile (PCRE2 error \(error) at offset \(offset))")
        }
        code = compiled
        matchData = pcre2_match_data_create_from_pattern_8(compiled, nil)
    }

    deinit {
        pcre2_match_data_free_8(matchData)
        pcre2_code_free_8(code)
    }

    /// The chunks of `bytes` (valid UTF-8), in order; their concatenation is `bytes`.
    func split(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var chunks: [ArraySlice<UInt8>] = []
        var start = 0
        bytes.withUnsafeBufferPointer { buf in
            let subject = buf.baseAddress ?? UnsafePointer<UInt8>(bitPattern: 1)!
            while start < bytes.count {
                let rc = pcre2_match_8(code, subject, bytes.count, start, UInt32(PCRE2_NO_UTF_CHECK), matchData, nil)
                guard rc > 0 else { break }
                let ovector = pcre2_get_ovector_pointer_8(matchData)!
                let (lo, hi) = (Int(ovector[0]), Int(ovector[1]))
                // None of the patterns matches the empty string; if one did, keep the rest whole.
                guard hi > lo else { break }
                if lo > start { chunks.append(bytes[start..<lo]) }
                chunks.append(bytes[lo..<hi])
                start = hi
            }
        }
        if start < bytes.count { chunks.append(bytes[start...]) }
        return chunks
    }
}
