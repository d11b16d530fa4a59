import Foundation
import Testing
@testable import StepTreeRuntime

struct TokenizerTests {
    @Test func bytePairEncodingAppliesMergesWithinPreTokenizerChunks() throws {
        let model = try LanguageModel(path: try TinyModel.write())
        let t = model.tokenizer
        let ids = t.encode("hello world")
        #expect(ids.first == TinyModel.bos)
        #expect(ids.dropFirst().map { t.piece($0) } == ["hello", "Ġworld"])
        // "helloworld" is one chunk, so "hello" merges but "world" without a space has no merge.
        #expect(t.encode("helloworld", addSpecial: false).map { t.piece($0) } == ["hello", "w", "or", "ld"])
    }

    @Test func promptsParseSpecialTokenTextsButStepsDoNot() throws {
        let t = try LanguageModel(path: try TinyModel.write()).tokenizer
        let ids = t.encode("hello</s>hello")
        #expect(ids == [TinyModel.bos, t.encode("hello", addSpecial: false)[0], TinyModel.eos, t.encode("hello", addSpecial: false)[0]])
        #expect(!t.encode("hello</s>", addSpecial: false).contains(TinyModel.eos))
    }

    @Test(arguments: ["llama-bpe", "qwen2", "default"])
    func preTokenizerSplitsLikeTheReferencePatterns(pre: String) throws {
        let p = try PreTokenizer(pattern: try PreTokenizer.pattern(forPre: pre))
        let chunks = p.split(Array("I'm 12345 héllo  wörld!\n\nok".utf8)).map { String(decoding: $0, as: UTF8.self) }
        #expect(chunks.joined() == "I'm 12345 héllo  wörld!\n\nok")
        switch pre {
        case "llama-bpe": #expect(chunks == ["I", "'m", " ", "123", "45", " héllo", " ", " wörld", "!\n\n", "ok"])
        case "qwen2": #expect(chunks == ["I", "'m", " ", "1", "2", "3", "4", "5", " héllo", " ", " wörld", "!\n\n", "ok"])
        default: #expect(chunks == ["I", "'m", " 12345", " héllo", " ", " wörld", "!", "\n", "\n", "ok"])
        }
    }

    @Test(arguments: ["", "hello world", "tab\tnewline\n", "ünïcödé ✓ 🎉 日本語", "  spaces  "])
    func bytePairEncodingRoundTrips(text: String) throws {
        let t = try LanguageModel(path: try TinyModel.write()).tokenizer
        #expect(t.decode(t.encode(text)) == text)
    }

    @Test func decodingSplitMultibyteCharacters() throws {
        let t = try LanguageModel(path: try TinyModel.write()).tokenizer
        let ids = t.encode("€🎉", addSpecial: false)  // 3 + 4 byte tokens
        #expect(ids.count == 7)
        let first = ids.prefix(2).flatMap { t.bytes(of: $0) }
        #expect(UTF8Boundary.incompleteSuffix(first) == 2)
        let rest = ids.dropFirst(2).flatMap { t.bytes(of: $0) }
        #expect(String(decoding: first.suffix(2) + rest, as: UTF8.self) == "€🎉")
    }

    /// A SentencePiece vocabulary: control tokens, 256 byte tokens, then scored pieces.
    func sentencePieceModel() throws -> Tokenizer {
        var pieces = ["<unk>", "<s>", "</s>"]
        var types: [Int32] = [2, 3, 3]
        for b in 0..<256 { pieces.append(String(format: "<0x%02X>", b)); types.append(6) }
        let words = ["▁", "h", "e", "l", "o", "w", "r", "d", "he", "ll", "llo", "hello", "▁hello", "▁w", "or", "▁wor", "ld", "▁world"]
        pieces += words
        types += Array(repeating: 1, count: words.count)
        var w = TestGGUFWriter()
        w.set("tokenizer.ggml.model", .string("llama"))
        w.set("tokenizer.ggml.tokens", .strings(pieces))
        w.set("tokenizer.ggml.token_type", .i32s(types))
        w.set("tokenizer.ggml.scores", .f32s((0..<pieces.count).map { Float($0) / 10 }))
        w.set("tokenizer.ggml.bos_token_id", .u32(1))
        w.set("tokenizer.ggml.eos_token_id", .u32(2))
        let path = NSTemporaryDirectory() + "steptree-spm-\(UUID().uuidString).gguf"
        try w.write(to: path)
        return try Tokenizer(file: try GGUFFile(path: path))
    }

    @Test func sentencePieceMergesByScoreAndFallsBackToBytes() throws {
        let t = try sentencePieceModel()
        let ids = t.encode("hello world€")
        #expect(ids.first == 1)
        #expect(ids.dropFirst().prefix(2).map { t.piece($0) } == ["▁hello", "▁world"])
        #expect(ids.suffix(3).map { t.piece($0) } == ["<0xE2>", "<0x82>", "<0xAC>"])
        #expect(t.decode(ids) == "hello world€")
    }

    @Test(arguments: ["hello", "hello world", "wörld  x", "日本"])
    func sentencePieceRoundTrips(text: String) throws {
        let t = try sentencePieceModel()
        #expect(t.decode(t.encode(text)) == text)
    }
}
