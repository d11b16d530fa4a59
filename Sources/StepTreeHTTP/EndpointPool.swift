import Foundation

/// Counters of one generator's HTTP traffic, for summaries and `steptree bench http`.
public struct HTTPTransportStatistics: Hashable, Sendable {
    /// HTTP attempts sent (retries included).
    public var attempts: Int = 0
    /// Attempts that were retries.
    public var retries: Int = 0
    /// Requests that failed after their retries or deadline.
    public var failures: Int = 0
    /// The most HTTP requests that were in flight at once.
    public var maxInFlight: Int = 0
}

/// Several endpoints of one backend with least-outstanding-requests dispatch under one global
/// in-flight limit: `acquire` waits while `limit` requests are out, then picks the endpoint with
/// the fewest outstanding requests (ties rotate). An endpoint whose connection just failed is
/// passed over for `cooldown` seconds while another is up (a dead server fails fast, so it would
/// otherwise always look least loaded).
final class EndpointPool: @unchecked Sendable {
    let endpoints: [URL]
    private let limit: Int
    private let lock = NSLock()
    private let cooldown: TimeInterval
    private var outstanding: [Int]
    /// Until when each endpoint is passed over after a connection failure.
    private var downUntil: [Date]
    private var inFlight = 0
    private var nextTie = 0
    /// Waiting acquirers, first at `waitHead` (a queue without O(n) removals).
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var waitHead = 0
    private var stats = HTTPTransportStatistics()

    init(endpoints: [URL], limit: Int, cooldown: TimeInterval) {
        precondition(!endpoints.isEmpty, "an HTTP generator needs at least one endpoint")
        self.endpoints = endpoints
        self.limit = max(1, limit)
        self.cooldown = cooldown
        outstanding = Array(repeating: 0, count: endpoints.count)
        downUntil = Array(repeating: .distantPast, count: endpoints.count)
    }

    var statistics: HTTPTransportStatistics { lock.withLock { stats } }

    /// Waits for a free slot, then returns the index of the least-loaded endpoint.
    /// - Complexity: O(endpoints).
    func acquire(retry: Bool) async -> Int {
        while true {
            if let index = lock.withLock({ () -> Int? in
                guard inFlight < limit else { return nil }
                return take(retry: retry)
            }) { return index }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = lock.withLock { () -> Bool in
                    if inFlight < limit { return true }
                    waiters.append(c)
                    return false
                }
                if resumeNow { c.resume() }
            }
        }
    }

    /// Returns the slot taken by `acquire`; `reachable` is false when the connection failed.
    func release(_ index: Int, reachable: Bool) {
        let waiter = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            downUntil[index] = reachable ? .distantPast : Date(timeIntervalSinceNow: cooldown)
            outstanding[index] -= 1
            inFlight -= 1
            guard waitHead < waiters.count else { return nil }
            let first = waiters[waitHead]
            waitHead += 1
            if waitHead > 1024, waitHead * 2 > waiters.count {
                waiters.removeFirst(waitHead)
                waitHead = 0
            }
            return first
        }
        waiter?.resume()
    }

    func recordFailure() { lock.withLock { stats.failures += 1 } }

    private func take(retry: Bool) -> Int {
        var best = nextTie % endpoints.count
        if endpoints.count > 1 {
            let now = Date()
            var bestUp = downUntil[best] <= now
            for k in 0..<endpoints.count {
                let i = (nextTie + k) % endpoints.count
                let up = downUntil[i] <= now
                if (up && !bestUp) || (up == bestUp && outstanding[i] < outstanding[best]) {
                    best = i
                    bestUp = up
                }
            }
        }
        nextTie &+= 1
        outstanding[best] += 1
        inFlight += 1
        stats.attempts += 1
        if retry { stats.retries += 1 }
        stats.maxInFlight = max(stats.maxInFlight, inFlight)
        return best
    }
}
