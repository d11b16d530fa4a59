import ArgumentParser
import Foundation
import StepTreeCore
import StepTreeHTTP

/// `steptree bench http [URL]`: requests per second and the most requests in flight that an HTTP
/// generator reaches against a server. Without a URL it starts a loopback responder that answers
/// at once, so the figure is the client's own ceiling.
struct BenchHTTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Requests/s and max in flight of an HTTP generator against a server (default: a built-in loopback responder).")

    @Argument(help: "Server base URL, e.g. http://127.0.0.1:8000. Omit to start the loopback responder.")
    var url: String?

    @Option(help: "Backend: vllm, sglang, llama-cpp-python (OpenAI /v1/completions), llama-server (/completion), ollama (/api/generate).")
    var backend: String = "vllm"

    @Option(help: "Step requests to send.")
    var requests: Int = 20_000

    @Option(name: .customLong("in-flight"), help: "Most HTTP requests in flight at once.")
    var inFlight: Int = 1024

    @Option(help: "Samples per step request (fanned out where the backend lacks n).")
    var samples: Int = 1

    @Option(help: "Model name to send (Ollama needs one).")
    var model: String?

    @Flag(help: "Only run the loopback responder (on --port) until interrupted, for a two-process measurement.")
    var serve = false

    @Option(help: "Port of the loopback responder (0 = any free port).")
    var port: UInt16 = 0

    func run() async throws {
        raiseOpenFileLimit()
        if serve {
            let server = try LoopbackHTTPServer(port: port, handler: Self.cannedAnswer(samples: samples))
            print("loopback responder on http://127.0.0.1:\(server.port) (Ctrl-C to stop)")
            fflush(stdout)
            while true { try await Task.sleep(nanoseconds: 1_000_000_000) }
        }
        var server: LoopbackHTTPServer?
        let base: URL
        if let url {
            guard let u = URL(string: url) else { throw ValidationError("not a URL: \(url)") }
            base = u
        } else {
            let s = try LoopbackHTTPServer(port: port, handler: Self.cannedAnswer(samples: samples))
            server = s
            base = URL(string: "http://127.0.0.1:\(s.port)")!
        }
        let options = HTTPGeneratorOptions(model: model, deadline: 300, maxRetries: 2, maxInFlight: inFlight)
        let generator: any StepGenerator
        let statistics: () -> HTTPTransportStatistics
        switch backend {
        case "vllm", "sglang", "llama-cpp-python":
            let caps: HTTPBackendCapabilities = backend == "vllm" ? .vllm : backend == "sglang" ? .sglang : .llamaCppPython
            let g = OpenAICompletionsGenerator(endpoints: [base], backend: caps, options: options)
            (generator, statistics) = (g, { g.statistics })
        case "llama-server":
            let g = LlamaServerGenerator(endpoints: [base], options: options)
            (generator, statistics) = (g, { g.statistics })
        case "ollama":
            let g = OllamaGenerator(endpoints: [base], options: options)
            (generator, statistics) = (g, { g.statistics })
        default:
            throw ValidationError("unknown backend \(backend)")
        }

        // One problem per 64 requests, so the root prompt is tokenized (where the backend does)
        // about as often as in a search.
        let batch = (0..<requests).map { i in
            StepRequest(id: RequestID(i),
                        prefix: [PrefixSegment(text: "nums: 3 7 25 4 target: 61\n", key: .init(problem: UInt32(i / 64), node: 0))],
                        samples: samples, stop: "\n", maxTokens: 32, seed: UInt64(i))
        }
        let start = Date()
        let results = try await generator.generate(batch)
        let wall = Date().timeIntervalSince(start)
        let stats = statistics()
        let failed = results.filter { $0.failure != nil }
        print("backend \(backend) at \(base.absoluteString)\(server == nil ? "" : " (loopback responder)")")
        print(String(format: "step requests %d, samples %d, HTTP requests %d, wall %.3f s",
                     requests, results.reduce(0) { $0 + $1.samples.count }, stats.attempts, wall))
        print(String(format: "HTTP requests/s %.0f, step requests/s %.0f", Double(stats.attempts) / wall, Double(requests) / wall))
        print("max in flight (client) \(stats.maxInFlight), retries \(stats.retries), failed step requests \(failed.count)")
        if let s = server {
            let st = s.statistics
            print("loopback responder: requests answered \(st.requests), max open connections \(st.maxConnections)")
            s.stop()
        }
        if let f = failed.first?.failure { print("first failure: \(f)") }
    }

    /// Answers in the shape of each backend's completion route (and its tokenizer), at once.
    static func cannedAnswer(samples: Int) -> @Sendable (LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        let step = #""text":"step: 25 + 4 = 29 | 3 7 29\n""#
        let choice = #"{"index":%d,\#(step),"finish_reason":"stop","stop_reason":"\n","token_ids":[5,6,7],"logprobs":{"tokens":["a","b","\n"],"token_logprobs":[-0.1,-0.2,-0.3]}}"#
        let choices = (0..<samples).map { String(format: choice, $0) }.joined(separator: ",")
        let openai = Data(#"{"choices":[\#(choices)],"usage":{"prompt_tokens":12,"completion_tokens":3}}"#.utf8)
        let single = Data(#"{"choices":[\#(String(format: choice, 0))],"usage":{"prompt_tokens":12,"completion_tokens":3}}"#.utf8)
        let llama = Data(#"{"content":"step: 25 + 4 = 29 | 3 7 29","stop_type":"word","stopping_word":"\n","tokens":[5,6,7]}"#.utf8)
        let ollama = Data(#"{"response":"step: 25 + 4 = 29 | 3 7 29","done":true,"done_reason":"stop"}"#.utf8)
        let tokens = Data(#"{"tokens":[1,2,3,4]}"#.utf8)
        return { request in
            switch request.path {
            case "/v1/completions":
                // Servers without native n get one request per sample.
                let n = request.body.range(of: Data(#""n":"#.utf8)) == nil ? single : openai
                return .init(status: 200, body: n)
            case "/completion": return .init(status: 200, body: llama)
            case "/api/generate": return .init(status: 200, body: ollama)
            case "/tokenize", "/v1/tokenize": return .init(status: 200, body: tokens)
            default: return .init(status: 404, body: Data(#"{"error":"no route"}"#.utf8))
            }
        }
    }

    /// Each HTTP/1.1 request in flight holds a socket at both ends.
    private func raiseOpenFileLimit() {
        #if os(Linux)
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        #endif
    }
}
