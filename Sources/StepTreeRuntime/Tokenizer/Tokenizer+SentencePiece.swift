extension Tokenizer {
    /// The bytes a SentencePiece token stands for: `▁` is a space, `<0xAB>` byte tokens are one byte.
    static func sentencePieceSpelling(_ piece: String, type: TokenType) -> [UInt8] {
        switch type {
        case .control, .unused, .unknown: return []
        case .byte:
            let hex = piece.dropFirst(3).dropLast()
            guard piece.hasPrefix("<0x"), piece.hasSuffix(">"), let b = UInt8(hex, radix: 16) else { return Array(piece.utf8) }
            return [b]
        default:
            return Array(piece.replacingOccurrences(of: "\u{2581}", with: " ").utf8)
        }
    }

    /// SentencePiece-style encoding (llama.cpp's SPM tokenizer): spaces become `▁` (with a
    /// leading one when `addSpacePrefix` and `atStart`), start from one symbol per character,
    /// repeatedly merge the adjacent pair whose concatenation is the highest-scoring token, and
    /// spell characters that no token covers with byte tokens.
    /// - Complexity: O(n²) in the text length.
    func encodeSentencePiece(_ text: String, atStart: Bool) -> [Int32] {
        guard !text.isEmpty else { return [] }
        let normalized = (atStart && addSpacePrefix ? " " : "") + text
        var symbols = normalized.replacingOccurrences(of: " ", with: "\u{2581}").map(String.init)
        while symbols.count > 1 {
            var best: (index: Int, score: Float)?
            for i in 0..<(symbols.count - 1) {
                if let id = ids[symbols[i] + symbols[i + 1]], types[Int(id)] != .byte {
                    let score = Int(id) < scores.count ? scores[Int(id)] : 0
                    if score > best?.score ?? -.infinity { best = (i, score) }
                }
            }
            guard let best else { break }
            symbols[best.index] += symbols[best.index + 1]
            symbols.remove(at: best.index + 1)
        }
        return symbols.flatMap { symbol -> [Int32] in
            if let id = ids[symbol] { return [id] }
            return symbol.utf8.map { byteTokens[Int($0)] }.filter { $0 >= 0 }
        }
    }
}
