import Foundation
import StepTreeCore

/// JSON POSTs to a pool of endpoints with retries, backoff and a per-request deadline.
///
/// Connection failures (refused, reset, timed out) and 429/5xx answers are retried with
/// exponential backoff and jitter, possibly on another endpoint, until `maxRetries` or the
/// deadline; other statuses fail at once. Each request in flight holds its own keep-alive
/// connection (HTTP/1.1), so the connection count follows the in-flight limit.
final class HTTPTransport: @unchecked Sendable {
    let pool: EndpointPool
    let options: HTTPGeneratorOptions
    private let client = HTTP1Client()

    init(endpoints: [URL], options: HTTPGeneratorOptions) {
        self.options = options
        pool = EndpointPool(endpoints: endpoints, limit: options.maxInFlight, cooldown: max(options.maxBackoff, 0.05))
    }

    deinit { client.shutdown() }

    /// POSTs `body` as JSON to `path` on some endpoint and parses the JSON answer.
    /// - Parameter deadline: when the whole exchange, retries included, must be over.
    func post(_ path: String, _ body: JSON, deadline: Date) async -> Result<JSON, HTTPGeneratorError> {
        let data = body.encoded()
        var attempt = 0
        var lastProblem = "no attempt made"
        while true {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 {
                pool.recordFailure()
                return .failure(.init(.deadline, "POST \(path): deadline of \(options.deadline) s passed (\(lastProblem))"))
            }
            let index = await pool.acquire(retry: attempt > 0)
            let base = pool.endpoints[index]
            let target = base.absoluteString + path
            let outcome: Result<HTTP1Client.Reply, HTTP1Client.Failure>
            if base.scheme == "http", let host = base.host {
                let prefix = base.path.hasSuffix("/") ? String(base.path.dropLast()) : base.path
                outcome = await client.post(host: host, port: UInt16(base.port ?? 80), path: prefix + path,
                                            body: data, timeout: remaining)
            } else {
                outcome = .failure(.connect("only http:// endpoints are supported"))
            }
            var reachable = true
            if case .failure(.connect) = outcome { reachable = false }
            if case .failure(.reset) = outcome { reachable = false }
            pool.release(index, reachable: reachable)

            switch outcome {
            case .success(let reply) where (200..<300).contains(reply.status):
                do { return .success(try JSON.decode(reply.body)) } catch {
                    pool.recordFailure()
                    return .failure(.init(.badResponse, "POST \(target): answer is not JSON: \(snippet(reply.body))"))
                }
            case .success(let reply):
                lastProblem = "HTTP \(reply.status) from \(target): \(snippet(reply.body))"
                if reply.status != 429 && reply.status < 500 {
                    pool.recordFailure()
                    return .failure(.init(.httpStatus, lastProblem))
                }
            case .failure(.cancelled):
                pool.recordFailure()
                return .failure(.init(.unavailable, "POST \(target) cancelled"))
            case .failure(.malformed(let why)):
                pool.recordFailure()
                return .failure(.init(.badResponse, "POST \(target): \(why)"))
            case .failure(.timeout):
                lastProblem = "no answer from \(target) in time"
            case .failure(.connect(let why)), .failure(.reset(let why)):
                lastProblem = why
            }
            guard attempt < options.maxRetries else {
                pool.recordFailure()
                return .failure(.init(.unavailable, "POST \(path) failed after \(attempt + 1) attempts: \(lastProblem)"))
            }
            let backoff = min(options.maxBackoff, options.initialBackoff * pow(2, Double(attempt)))
            let delay = min(backoff * Double.random(in: 0.5...1), max(0, deadline.timeIntervalSinceNow))
            try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            if Task.isCancelled {
                pool.recordFailure()
                return .failure(.init(.unavailable, "POST \(path) cancelled (\(lastProblem))"))
            }
            attempt += 1
        }
    }

    private func snippet(_ data: Data) -> String {
        data.isEmpty ? "(empty)" : String(decoding: data.prefix(300), as: UTF8.self)
    }
}
