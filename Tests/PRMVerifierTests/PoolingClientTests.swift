import Foundation
import StepTreeHTTP
import StepTreePluginProtocol
import Testing
@testable import verifier_prm_http

/// verifier-prm-http's client and self-test against recorded vLLM `/pooling` responses (see
/// Recorded/README.md), served on 127.0.0.1.
@Suite struct PoolingClientTests {
    static let recorded = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Recorded").path

    /// A loopback stand-in for vLLM's STEP pooler: it answers with the recorded body when the
    /// input holds `tag` exactly twice (the self-test's two steps) and with no rows otherwise,
    /// and it records the request bodies.
    final class FakeServer: @unchecked Sendable {
        let server: LoopbackHTTPServer
        private let lock = NSLock()
        private var bodies: [JSON] = []

        init(fixture: String, tag: String) throws {
            let body = try Data(contentsOf: URL(fileURLWithPath: PoolingClientTests.recorded + "/" + fixture))
            nonisolated(unsafe) var this: FakeServer?
            server = try LoopbackHTTPServer { request in
                guard request.path == "/pooling", let json = try? JSON.parse(Array(request.body)),
                      let input = json["input"]?.string else { return .init(status: 400, body: Data("bad request".utf8)) }
                this?.record(json)
                if input.components(separatedBy: tag).count - 1 == 2 { return .init(status: 200, body: body) }
                return .init(status: 200, body: Data(#"{"id":"pool-0","object":"list","data":[{"index":0,"object":"pooling","data":[]}]}"#.utf8))
            }
            this = self
        }

        var url: String { "http://127.0.0.1:\(server.port)" }
        var requests: [JSON] { lock.withLock { bodies } }
        private func record(_ json: JSON) { lock.withLock { bodies.append(json) } }
    }

    @Test func qwenPresetPassesItsSelfTestAndReadsColumnOne() throws {
        let fake = try FakeServer(fixture: "vllm-pooling-qwen.json", tag: "<extra_0>")
        defer { fake.server.stop() }
        let client = try PoolingClient(base: fake.url, config: .qwen)
        try client.selfTest()
        let scores = try client.stepScores(prompt: PoolingClient.selfTestPrompt, steps: PoolingClient.selfTestSteps)
        #expect(scores == [0.96875, 0.0859375])
        let request = try #require(fake.requests.last)
        #expect(request["model"]?.string == "Qwen/Qwen2.5-Math-PRM-7B")
        #expect(request["task"]?.string == "token_classify")
        let input = try #require(request["input"]?.string)
        #expect(input.hasPrefix("<|im_start|>system\nPlease reason step by step"))
        #expect(input.contains("<|im_start|>user\nWhat is 12 * 13?<|im_end|>"))
        #expect(input.contains("120 + 36.<extra_0>Step 2:")) // the step's "\n\n" replaced by the tag
        #expect(input.hasSuffix("\\boxed{146}.<extra_0><|im_end|><|endoftext|>"))
    }

    @Test func selfTestCatchesASwappedColumn() throws {
        let fake = try FakeServer(fixture: "vllm-pooling-qwen.json", tag: "<extra_0>")
        defer { fake.server.stop() }
        var swapped = PRMServerConfig.qwen
        swapped.positiveColumn = 0
        let client = try PoolingClient(base: fake.url, config: swapped)
        do {
            try client.selfTest()
            Issue.record("the self-test accepted positive column 0 for Qwen2.5-Math-PRM")
        } catch {
            #expect("\(error)".contains("self-test failed"))
            #expect("\(error)".contains("positiveColumn 0"))
        }
        // Math-Shepherd's rows are the other way round: its preset reads column 0.
        let shepherd = try FakeServer(fixture: "vllm-pooling-math-shepherd.json", tag: " ки")
        defer { shepherd.server.stop() }
        try PoolingClient(base: shepherd.url, config: .mathShepherd).selfTest()
        var qwenColumn = PRMServerConfig.mathShepherd
        qwenColumn.positiveColumn = 1
        #expect(throws: PRMHTTPError.self) { try PoolingClient(base: shepherd.url, config: qwenColumn).selfTest() }
    }

    @Test func selfTestCatchesAWrongStepTag() throws {
        let fake = try FakeServer(fixture: "vllm-pooling-qwen.json", tag: "<extra_0>")
        defer { fake.server.stop() }
        var wrongTag = PRMServerConfig.qwen
        wrongTag.stepTag = " ки"
        do {
            try PoolingClient(base: fake.url, config: wrongTag).selfTest()
            Issue.record("the self-test accepted a step tag the server does not pool on")
        } catch {
            #expect("\(error)".contains("0 rows for 2 steps"))
        }
    }

    @Test func responsesThatAreNotProbabilityRowsAreNamed() throws {
        let raw = Data(#"{"data":[{"index":0,"object":"pooling","data":[[2.5,-1.0]]}]}"#.utf8)
        #expect(throws: PRMHTTPError.self) { try PoolingClient.scores(from: raw, steps: 1, column: 1, source: "test") }
        do {
            _ = try PoolingClient.scores(from: Data("{}".utf8), steps: 1, column: 1, source: "POST x")
        } catch {
            #expect("\(error)".contains("data[0].data"))
        }
    }

    @Test func configurationOverridesAPreset() throws {
        let json = try JSON.parse(#"{"preset":"math-shepherd","model":"local-prm","positiveColumn":1,"task":null}"#)
        let config = try PRMServerConfig.from(json: json, source: "prm.json")
        #expect(config.model == "local-prm")
        #expect(config.positiveColumn == 1)
        #expect(config.task == nil)
        #expect(config.stepTag == " ки")
        #expect(config.input(prompt: "Q", steps: ["a\n", "b"]) == "Q a ки\nb ки")
        #expect(throws: PRMHTTPError.self) { try PRMServerConfig.from(json: try JSON.parse(#"{"colum":1}"#), source: "prm.json") }
    }

    static let liveURL = ProcessInfo.processInfo.environment["STEPTREE_PRM_URL"]

    @Test(.enabled(if: liveURL != nil, "STEPTREE_PRM_URL is not set: no live vLLM PRM server to test against"))
    func liveServerPassesTheSelfTest() throws {
        let preset = ProcessInfo.processInfo.environment["STEPTREE_PRM_PRESET"] ?? "qwen"
        let client = try PoolingClient(base: Self.liveURL!, config: try PRMServerConfig.preset(preset))
        try client.selfTest()
    }
}
