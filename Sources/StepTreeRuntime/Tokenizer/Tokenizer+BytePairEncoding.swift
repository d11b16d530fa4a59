/// GPT-2's reversible mapping between bytes and printable characters: the alphabet that
/// byte-level BPE vocabularies (`gpt2` model) spell their tokens in.
enum ByteLevel {
    static let byteToUnicode: [Unicode.Scalar] = {
        let printable = Array(33...126) + Array(161...172) + Array(174...255)
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var extra = 0
        for b in 0..<256 {
            if printable.contains(b) {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(UInt32(256 + extra))!
                extra += 1
            }
        }
        return table
    }()

    static let unicodeToByte: [Unicode.Scalar: UInt8] =
        Dictionary(uniqueKeysWithValues: byteToUnicode.enumerated().map { ($1, UInt8($0)) })
}

extension Tokenizer {
    /// Byte-level BPE of one pre-tokenizer chunk: one symbol per byte, then repeatedly merge the
    /// adjacent pair with the lowest merge rank.
    /// - Complexity: O(n²) in the chunk length (chunks are words, so short).
    func encodeBPE(_ chunk: ArraySlice<UInt8>) -> [Int32] {
        var symbols: [Int32] = []
        for b in chunk {
            if let id = ids[String(ByteLevel.byteToUnicode[Int(b)])] { symbols.append(id) }
        }
        while symbols.count > 1 {
            var best: (index: Int, merge: Merge)?
            for i in 0..<(symbols.count - 1) {
                if let m = merges[PairKey(left: symbols[i], right: symbols[i + 1])], m.rank < best?.merge.rank ?? .max {
                    best = (i, m)
                }
            }
            guard let best else { break }
            symbols[best.index] = best.merge.id
            symbols.remove(at: best.index + 1)
        }
        return symbols
    }
}
