import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import StepTreePluginProtocol

/// A client of vLLM's `/pooling` endpoint serving a process reward model: one request per path,
/// one probability per step read from the configured column.
final class PoolingClient: @unchecked Sendable {
    let url: URL
    let config: PRMServerConfig
    let timeout: TimeInterval
    private let session: URLSession

    /// `base` is the server's root (`http://127.0.0.1:8000`); requests go to `base/pooling`.
    init(base: String, config: PRMServerConfig, timeout: TimeInterval = 60) throws {
        guard let root = URL(string: base), root.scheme == "http" || root.scheme == "https" else {
            throw PRMHTTPError("--url \(base): expected http://HOST:PORT")
        }
        url = root.appendingPathComponent("pooling")
        self.config = config
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        session = URLSession(configuration: configuration)
    }

    /// The probability that each step is correct.
    func stepScores(prompt: String, steps: [String]) throws -> [Double] {
        var body: [String: JSON] = ["model": .string(config.model), "input": .string(config.input(prompt: prompt, steps: steps))]
        if let task = config.task { body["task"] = .string(task) }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(JSON.object(body).text.utf8)
        let (status, data) = try send(request)
        guard status == 200 else {
            throw PRMHTTPError("POST \(url): HTTP \(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        return try Self.scores(from: data, steps: steps.count, column: config.positiveColumn, source: "POST \(url)")
    }

    /// Reads a `/pooling` response (`{"data": [{"data": [[p0, p1], ...]}]}`): one row per step,
    /// each a probability pair, the score from `column`.
    static func scores(from data: Data, steps: Int, column: Int, source: String) throws -> [Double] {
        let json: JSON
        do { json = try JSON.parse(Array(data)) } catch {
            throw PRMHTTPError("\(source): response is not JSON: \(error)")
        }
        guard let outer = json["data"]?.array, let first = outer.first, let rows = first["data"]?.array else {
            throw PRMHTTPError("\(source): response has no \"data[0].data\" rows: \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        guard rows.count == steps else {
            throw PRMHTTPError("\(source): \(rows.count) rows for \(steps) steps: the server did not find the step tag once per "
                + "step (check stepTag and the server's STEP pooler, step_tag_id)")
        }
        return try rows.enumerated().map { i, row in
            guard let pair = row.array?.compactMap(\.number), pair.count == row.array?.count, pair.count > column else {
                throw PRMHTTPError("\(source): data[0].data[\(i)] is not a row of numbers with a column \(column)")
            }
            guard pair.allSatisfy({ $0 >= 0 && $0 <= 1 }), pair.count != 2 || abs(pair[0] + pair[1] - 1) < 1e-3 else {
                throw PRMHTTPError("\(source): data[0].data[\(i)] = \(pair) is not a probability pair (is softmax off in the pooler?)")
            }
            return pair[column]
        }
    }

    /// Scores a fixed two-step example (a right step, then a wrong one) and fails unless the
    /// first scores above 0.5 and the second below: a swapped `positiveColumn`, a wrong step tag
    /// or a server without the STEP pooler all fail here instead of producing inverted labels.
    func selfTest() throws {
        let scores = try stepScores(prompt: Self.selfTestPrompt, steps: Self.selfTestSteps)
        guard scores[0] > 0.5, scores[1] < 0.5 else {
            throw PRMHTTPError("self-test failed against \(url) (model \(config.model), positiveColumn \(config.positiveColumn), "
                + "stepTag \(config.stepTag.debugDescription)): a right step scored \(scores[0]) and a wrong one \(scores[1]); "
                + "expected > 0.5 then < 0.5. Is positiveColumn swapped (Qwen2.5-Math-PRM: 1, Math-Shepherd: 0)?")
        }
    }

    static let selfTestPrompt = "What is 12 * 13?"
    static let selfTestSteps = ["Step 1: 12 * 13 = 12 * 10 + 12 * 3 = 120 + 36.\n\n", "Step 2: 120 + 36 = 146. The answer is \\boxed{146}."]

    private func send(_ request: URLRequest) throws -> (Int, Data) {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<(Int, Data), Error> = .failure(PRMHTTPError("POST \(url): no response"))
        session.dataTask(with: request) { data, response, error in
            if let error {
                outcome = .failure(PRMHTTPError("POST \(self.url): \(error.localizedDescription)"))
            } else {
                outcome = .success(((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data()))
            }
            done.signal()
        }.resume()
        done.wait()
        return try outcome.get()
    }
}
