import Foundation
import StepTreeCore
import StepTreeTestSupport
import Testing
@testable import StepTreeRuntime

/// The embedded runtime against llama.cpp (through llama-cpp-python) on the same GGUF file:
/// the same tokenization and the same greedy continuations. Runs only where llama-cpp-python
/// is installed (CI installs it).
struct LlamaCppCrossCheckTests {
    static func available() async -> Bool { await pythonCanImport("llama_cpp") }

    static let script = #"""
import json, sys
from llama_cpp import Llama
cfg = json.loads(sys.argv[1])
llm = Llama(model_path=cfg["model"], n_ctx=cfg["n_ctx"], n_threads=1, verbose=False)
out = []
for prompt in cfg["prompts"]:
    ids = llm.tokenize(prompt.encode(), add_bos=True, special=False)
    generated = []
    for tok in llm.generate(ids, top_k=1, top_p=1.0, min_p=0.0, temp=0.0, repeat_penalty=1.0, reset=True):
        generated.append(tok)
        if tok == llm.token_eos() or len(generated) == cfg["max_tokens"]:
            break
    out.append({"prompt_tokens": ids, "tokens": generated})
print(json.dumps(out))
"""#

    /// The Countdown model, and tiny random models of both architectures (GQA, NeoX RoPE and
    /// biases for qwen2, packed weight types) written by the test GGUF writer.
    static func modelPaths() throws -> [(name: String, path: String, prompts: [String])] {
        let countdown = CountdownGoldenTests.fixture.cases.map(\.prompt)
        let tiny = ["hello world", "or hello, world wide"]
        return [
            ("countdown", CountdownGoldenTests.modelPath, countdown),
            ("tiny llama F16", try TinyModel.write(.init(type: .f16)), tiny),
            ("tiny llama Q8_0 tied", try TinyModel.write(.init(type: .q8_0, tiedOutput: true)), tiny),
            ("tiny qwen2", try TinyModel.write(.init(arch: "qwen2", pre: "qwen2")), tiny),
        ]
    }

    @Test(.enabled("llama-cpp-python is not installed (pip install llama-cpp-python)") { await available() })
    func greedyContinuationsMatchLlamaCpp() async throws {
        for (name, path, prompts) in try Self.modelPaths() {
            let maxTokens = 48
            let generator = try EmbeddedGenerator(modelPath: path)
            let config: [String: Any] = ["model": path, "n_ctx": generator.model.config.context, "prompts": prompts, "max_tokens": maxTokens]
            let arguments = ["python3", "-c", Self.script, String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)]
            let (status, data) = try await offThePool { () throws -> (Int32, Data) in
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                p.arguments = arguments
                let pipe = Pipe()
                p.standardOutput = pipe
                try p.run()
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                return (p.terminationStatus, data)
            }
            #expect(status == 0, "\(name): llama-cpp-python failed")
            struct Case: Decodable { var prompt_tokens: [Int32]; var tokens: [Int32] }
            let theirs = try JSONDecoder().decode([Case].self, from: data)

            let results = try await generator.generate(prompts.enumerated().map { i, prompt in
                StepRequest(id: RequestID(i), prefix: [PrefixSegment(text: prompt, key: SegmentKey(problem: UInt32(i), node: 0))],
                            sampling: .init(temperature: 0), stop: "", maxTokens: maxTokens)
            })
            for (i, (ours, reference)) in zip(results, theirs).enumerated() {
                #expect(generator.model.tokenizer.encode(prompts[i]) == reference.prompt_tokens, "\(name)")
                #expect(ours.samples.first?.tokens == reference.tokens, "\(name): prompt \(prompts[i].debugDescription)")
            }
        }
    }
}
