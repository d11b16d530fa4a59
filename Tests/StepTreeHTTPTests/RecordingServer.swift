import Foundation
import StepTreeCore
@testable import StepTreeHTTP

/// A loopback HTTP server for tests that records each request (path and JSON body) and answers
/// through a script given the request and how many requests of that path came before it.
final class RecordingServer: @unchecked Sendable {
    struct Entry {
        var path: String
        var body: JSON
    }

    private let lock = NSLock()
    private var entries: [Entry] = []
    private(set) var server: LoopbackHTTPServer!

    init(port: UInt16 = 0, script: @escaping @Sendable (Entry, Int) -> LoopbackHTTPServer.Response) throws {
        server = try LoopbackHTTPServer(port: port) { [unowned self] request in
            let entry = Entry(path: request.path, body: (try? JSON.decode(request.body)) ?? .null)
            let count = lock.withLock { () -> Int in
                defer { entries.append(entry) }
                return entries.filter { $0.path == entry.path }.count
            }
            return script(entry, count)
        }
    }

    var url: URL { URL(string: "http://127.0.0.1:\(server.port)")! }
    var recorded: [Entry] { lock.withLock { entries } }
    func recorded(_ path: String) -> [Entry] { recorded.filter { $0.path == path } }
    func stop() { server.stop() }

    static func json(_ v: JSON, status: Int = 200) -> LoopbackHTTPServer.Response {
        .init(status: status, body: v.encoded())
    }

    /// A vLLM-style answer with one choice per requested sample, each "s<seed>-<i>\n".
    static func completions(for body: JSON) -> LoopbackHTTPServer.Response {
        let n = body["n"]?.int ?? 1
        let seed = body["seed"]?.int ?? -1
        let choices: [JSON] = (0..<n).map { i in
            ["index": .number(Double(i)), "text": .string("s\(seed)-\(i)\n"), "finish_reason": "stop", "stop_reason": "\n",
             "token_ids": [.number(Double(100 + i)), 10], "logprobs": ["tokens": [.string("s\(seed)-\(i)"), "\n"], "token_logprobs": [-1, -0.5]]]
        }
        return json(["choices": .array(choices), "usage": ["prompt_tokens": 5, "completion_tokens": .number(Double(2 * n))]])
    }
}

extension StepRequest {
    /// A one-segment request for problem `problem`.
    static func root(_ id: RequestID, problem: UInt32 = 0, samples: Int = 1, seed: UInt64 = 0) -> StepRequest {
        StepRequest(id: id, prefix: [PrefixSegment(text: "nums: 3 7 25 4 target: 61\n", key: .init(problem: problem, node: 0))],
                    samples: samples, stop: "\n", maxTokens: 32, seed: seed)
    }
}
