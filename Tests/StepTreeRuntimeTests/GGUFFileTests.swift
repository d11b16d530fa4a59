import Foundation
import Testing
@testable import StepTreeRuntime

struct GGUFFileTests {
    func write(_ data: Data) throws -> String {
        let path = NSTemporaryDirectory() + "steptree-gguf-\(UUID().uuidString).gguf"
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    func small() -> TestGGUFWriter {
        var w = TestGGUFWriter()
        w.set("general.architecture", .string("llama"))
        w.set("some.number", .u32(42))
        w.set("some.list", .f32s([1.5, -2]))
        w.add("a.weight", dims: [4, 2], values: [1, 2, 3, 4, 5, 6, 7, 8])
        w.add("b.weight", dims: [32], type: .f16, values: (0..<32).map(Float.init))
        return w
    }

    @Test func readsMetadataAndTensors() throws {
        let file = try GGUFFile(path: try write(small().data()))
        #expect(file.version == 3)
        #expect(file["general.architecture"]?.stringValue == "llama")
        #expect(file["some.number"]?.intValue == 42)
        #expect(file["some.list"] == .array([.float(1.5), .float(-2)]))
        let a = try #require(file.tensor("a.weight"))
        #expect(a.dims == [4, 2] && a.type == .f32 && a.byteCount == 32)
        #expect(file.data(of: a).assumingMemoryBound(to: Float.self)[7] == 8)
        let b = try #require(file.tensor("b.weight"))
        #expect(b.type == .f16 && b.offset % 32 == 0)
        #expect(halfToFloat(file.data(of: b).loadUnaligned(fromByteOffset: 2 * 31, as: UInt16.self)) == 31)
    }

    @Test func truncatedFileNamesTheOffset() throws {
        let data = small().data()
        let path = try write(data.prefix(40))
        #expect {
            try GGUFFile(path: path)
        } throws: { error in
            let e = error as! RuntimeError
            return e.code == .malformed && e.message.contains(path) && e.message.contains("offset")
        }
    }

    @Test func tensorBeyondTheFileNamesTheTensor() throws {
        let data = small().data()
        let path = try write(data.prefix(data.count - 40))
        #expect {
            try GGUFFile(path: path)
        } throws: { error in
            let message = (error as! RuntimeError).message
            return message.contains("'b.weight'") && message.contains("not within the file")
        }
    }

    @Test func badMagicAndUnsupportedType() throws {
        var bad = small().data()
        bad[0] = 0x58
        #expect(throws: RuntimeError.self) { try GGUFFile(path: try write(bad)) }

        var w = small()
        w.tensors[1].type = .q8_0
        var data = w.data()
        // Patch b.weight's type field (after its name and dims) to ggml type 12 (Q4_K).
        let name = Data("b.weight".utf8)
        let at = data.range(of: name)!.upperBound + 4 + 8
        data[at] = 12
        #expect {
            try GGUFFile(path: try write(data))
        } throws: { error in
            let e = error as! RuntimeError
            return e.code == .unsupported && e.message.contains("'b.weight'") && e.message.contains("type 12")
        }
    }

    @Test func unsupportedArchitectureIsAClearError() throws {
        var w = small()
        w.metadata[0] = ("general.architecture", .string("mamba"))
        #expect {
            try LanguageModel(path: try write(w.data()))
        } throws: { error in
            (error as! RuntimeError).message.contains("architecture 'mamba' is not supported")
        }
    }
}
