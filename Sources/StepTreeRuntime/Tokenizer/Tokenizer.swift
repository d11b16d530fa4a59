/// A tokenizer read from GGUF metadata: byte-level BPE (`gpt2`) or SentencePiece-style (`llama`).
///
/// Every token has a byte spelling (`bytes(of:)`); decoding concatenates them, so a step's text
/// can be assembled from tokens even when a token ends inside a UTF-8 character.
public final class Tokenizer: @unchecked Sendable {
    /// The two tokenizer models.
    public enum Model: String, Sendable {
        case bytePairEncoding = "gpt2"
        case sentencePiece = "llama"
    }

    /// GGUF token types (`tokenizer.ggml.token_type`).
    enum TokenType: Int {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// Byte-level BPE or SentencePiece-style.
    public let model: Model
    /// Beginning-of-sequence token.
    public let bos: Int32?
    /// End-of-sequence token.
    public let eos: Int32?
    /// End-of-turn token, a second end of sequence for chat models.
    public let eot: Int32?
    /// Whether `encode` starts with BOS (`tokenizer.ggml.add_bos_token`).
    public let addBOS: Bool
    let pieces: [String]
    let types: [TokenType]
    let ids: [String: Int32]
    /// Byte spelling of every token (empty for control tokens).
    let spellings: [[UInt8]]
    /// Control and user-defined tokens by their first byte, longest first.
    let specials: [UInt8: [(bytes: [UInt8], id: Int32)]]
    // BPE state.
    let merges: [PairKey: Merge]
    let preTokenizer: PreTokenizer?
    // SentencePiece state.
    let scores: [Float]
    let addSpacePrefix: Bool
    let byteTokens: [Int32]

    struct PairKey: Hashable {
        var left: Int32
        var right: Int32
    }

    struct Merge {
        var rank: Int
        var id: Int32
    }

    /// Reads the tokenizer from `file`'s metadata.
    public init(file: GGUFFile) throws {
        let path = file.path
        func strings(_ key: GGUFKey) throws -> [String]? {
            guard let value = file[key.rawValue] else { return nil }
            guard let items = value.arrayValue?.compactMap(\.stringValue), items.count == value.arrayValue?.count else {
                throw RuntimeError(.malformed, "\(path): metadata '\(key.rawValue)' is not an array of strings")
            }
            return items
        }
        let name = file[GGUFKey.tokenizerModel.rawValue]?.stringValue ?? "(none)"
        guard let model = Model(rawValue: name) else {
            throw RuntimeError(.unsupported, "\(path): tokenizer model '\(name)' is not supported (supported: gpt2, llama)")
        }
        guard let pieces = try strings(.tokens), !pieces.isEmpty else {
            throw RuntimeError(.missing, "\(path): metadata 'tokenizer.ggml.tokens' is missing")
        }
        self.model = model
        self.pieces = pieces
        let rawTypes = file[GGUFKey.tokenTypes.rawValue]?.arrayValue?.compactMap(\.intValue) ?? []
        let types: [TokenType] = pieces.indices.map { i in i < rawTypes.count ? TokenType(rawValue: rawTypes[i]) ?? .normal : .normal }
        let ids = Dictionary(pieces.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { first, _ in first })
        self.types = types
        self.ids = ids
        var specials: [UInt8: [(bytes: [UInt8], id: Int32)]] = [:]
        for (i, piece) in pieces.enumerated() where types[i] == .control || types[i] == .userDefined {
            let b = Array(piece.utf8)
            if let first = b.first { specials[first, default: []].append((b, Int32(i))) }
        }
        self.specials = specials.mapValues { $0.sorted { $0.bytes.count > $1.bytes.count } }
        func tokenID(_ key: GGUFKey) throws -> Int32? {
            guard let v = file[key.rawValue]?.intValue else { return nil }
            guard v >= 0 && v < pieces.count else { throw RuntimeError(.malformed, "\(path): \(key.rawValue) \(v) is outside the vocabulary") }
            return Int32(v)
        }
        bos = try tokenID(.bosTokenID)
        eos = try tokenID(.eosTokenID)
        eot = try tokenID(.eotTokenID)
        addBOS = file[GGUFKey.addBOS.rawValue]?.boolValue ?? (model == .sentencePiece)
        scores = file[GGUFKey.scores.rawValue]?.arrayValue?.map { Float($0.doubleValue ?? 0) } ?? []
        addSpacePrefix = file[GGUFKey.addSpacePrefix.rawValue]?.boolValue ?? true

        switch model {
        case .bytePairEncoding:
            let decoder = ByteLevel.unicodeToByte
            spellings = pieces.indices.map { i in
                switch types[i] {
                case .control, .unused: return []
                case .userDefined: return Array(pieces[i].utf8)
                default: return pieces[i].unicodeScalars.map { decoder[$0] ?? UInt8(truncatingIfNeeded: $0.value) }
                }
            }
            var merges: [PairKey: Merge] = [:]
            for (rank, line) in (try strings(.merges) ?? []).enumerated() {
                let parts = line.split(separator: " ", maxSplits: 1)
                guard parts.count == 2, let l = ids[String(parts[0])], let r = ids[String(parts[1])] else {
                    throw RuntimeError(.malformed, "\(path): merge \(rank) '\(line)' names a token not in the vocabulary")
                }
                // A merge whose product is not a token can never apply (llama.cpp skips it too);
                // the Countdown model's placeholder merge is one.
                guard let merged = ids[String(parts[0]) + String(parts[1])], merges[PairKey(left: l, right: r)] == nil else { continue }
                merges[PairKey(left: l, right: r)] = Merge(rank: rank, id: merged)
            }
            self.merges = merges
            let pre = file[GGUFKey.tokenizerPre.rawValue]?.stringValue ?? "default"
            preTokenizer = try PreTokenizer(pattern: try PreTokenizer.pattern(forPre: pre))
            byteTokens = []
        case .sentencePiece:
            spellings = pieces.indices.map { i in Tokenizer.sentencePieceSpelling(pieces[i], type: types[i]) }
            merges = [:]
            preTokenizer = nil
            var byteTokens = [Int32](repeating: -1, count: 256)
            for i in pieces.indices where types[i] == .byte {
                if let b = spellings[i].first, spellings[i].count == 1, byteTokens[Int(b)] < 0 { byteTokens[Int(b)] = Int32(i) }
            }
            self.byteTokens = byteTokens
        }
    }

    /// Number of tokens in the vocabulary.
    public var count: Int { pieces.count }

    /// The token's text as stored in the vocabulary.
    public func piece(_ id: Int32) -> String { pieces[Int(id)] }

    /// The bytes a token stands for in decoded text (empty for control tokens such as BOS/EOS).
    public func bytes(of id: Int32) -> [UInt8] {
        id >= 0 && Int(id) < spellings.count ? spellings[Int(id)] : []
    }

    /// Whether `id` ends a sequence (EOS or end-of-turn).
    public func isEndOfSequence(_ id: Int32) -> Bool { id == eos || id == eot }

    /// Token ids of `text`, starting with BOS when `addSpecial` and the model asks for it.
    /// With `addSpecial` (a prompt), the texts of control and user-defined tokens in `text`
    /// (`<|im_start|>`, ...) become those tokens, as llama.cpp's `parse_special`; step text is
    /// always plain text.
    public func encode(_ text: String, addSpecial: Bool = true) -> [Int32] {
        var out: [Int32] = []
        if addSpecial, addBOS, let bos { out.append(bos) }
        let bytes = Array(text.utf8)
        var plainStart = 0, i = 0
        func flushPlain(upTo end: Int) {
            guard end > plainStart else { return }
            let plain = Array(bytes[plainStart..<end])
            switch model {
            case .bytePairEncoding:
                for chunk in preTokenizer!.split(plain) { out += encodeBPE(chunk) }
            case .sentencePiece:
                out += encodeSentencePiece(String(decoding: plain, as: UTF8.self), atStart: addSpecial && plainStart == 0)
            }
        }
        while addSpecial && i < bytes.count {
            if let special = specials[bytes[i]]?.first(where: { bytes[i...].starts(with: $0.bytes) }) {
                flushPlain(upTo: i)
                out.append(special.id)
                i += special.bytes.count
                plainStart = i
            } else {
                i += 1
            }
        }
        flushPlain(upTo: bytes.count)
        return out
    }

    /// The text of `ids` (control tokens skipped, invalid UTF-8 replaced). With `atStart`, a
    /// SentencePiece tokenizer drops the space prefix that `encode` added.
    public func decode(_ ids: [Int32], atStart: Bool = true) -> String {
        var bytes = ids.flatMap { self.bytes(of: $0) }
        if model == .sentencePiece, atStart, addSpacePrefix, bytes.first == 0x20 { bytes.removeFirst() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
