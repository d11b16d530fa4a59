import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small HTTP/1.1 client for plain-HTTP JSON POSTs: one event-loop thread, `poll(2)` over
/// non-blocking sockets, keep-alive connections reused per endpoint, `Content-Length` and chunked
/// answers.
///
/// Why not URLSession: on Linux, FoundationNetworking's URLSession spends ~0.7 ms of CPU per
/// request (dispatch sources and timers per libcurl handle, measured with `steptree bench http`),
/// which caps a 2-core machine near 1,500 requests/s; this loop needs a small fraction of that.
/// It speaks `http://` only (servers for search run on a cluster network or loopback; put a
/// TLS-terminating proxy in front of a remote `https://` server).
final class HTTP1Client: @unchecked Sendable {
    /// A complete answer.
    struct Reply: Sendable {
        var status: Int
        var body: Data
    }

    /// Why an exchange produced no answer. All of them may be retried by the caller.
    enum Failure: Error, Sendable {
        case connect(String)
        case reset(String)
        case timeout
        case cancelled
        case malformed(String)
    }

    /// One exchange waiting for or holding a connection.
    final class Job: @unchecked Sendable {
        let endpoint: Endpoint
        let request: [UInt8]
        let deadline: UInt64
        var continuation: CheckedContinuation<Result<Reply, Failure>, Never>?
        /// Set from any thread; read by the loop.
        var cancelled = false
        /// A reused keep-alive connection was found closed before any answer byte; the job gets
        /// one fresh connection without counting as a failure.
        var retriedStale = false

        init(endpoint: Endpoint, request: [UInt8], deadline: UInt64) {
            self.endpoint = endpoint
            self.request = request
            self.deadline = deadline
        }
    }

    /// A resolved server address.
    struct Endpoint: Hashable, Sendable {
        var host: String
        var port: UInt16
        var family: Int32
        var address: [UInt8]
    }

    private let lock = NSLock()
    private var submitted: [Job] = []
    private var wakePending = false
    private var stopping = false
    private var resolved: [String: Endpoint] = [:]
    private let wake: (read: Int32, write: Int32)
    private let finished = DispatchSemaphore(value: 0)

    init() {
        var p: [Int32] = [0, 0]
        // pipe(2) fails only when the process is out of descriptors; nothing can work then.
        precondition(pipe(&p) == 0, "HTTP client: pipe() failed, errno \(errno)")
        for end in p { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        wake = (p[0], p[1])
        Self.setNonBlocking(p[0])
        let thread = Thread { [self] in EventLoop(client: self).run() }
        thread.name = "steptree-http"
        thread.start()
    }

    /// Stops the loop, failing what is still pending. The loop thread holds the client, so the
    /// owner must call this (`HTTPTransport` does in its `deinit`).
    func shutdown() {
        let first = lock.withLock { () -> Bool in
            defer { stopping = true }
            return !stopping
        }
        guard first else { return }
        signal()
        finished.wait()
    }

    /// POSTs `body` to `host:port` `path`, waiting at most `timeout` seconds.
    func post(host: String, port: UInt16, path: String, body: Data, timeout: TimeInterval) async -> Result<Reply, Failure> {
        let endpoint: Endpoint
        switch resolve(host: host, port: port) {
        case .failure(let f): return .failure(f)
        case .success(let e): endpoint = e
        }
        var head = "POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: application/json\r\n"
        head += "Accept: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        var bytes = Array(head.utf8)
        bytes.append(contentsOf: body)
        let job = Job(endpoint: endpoint, request: bytes,
                      deadline: DispatchTime.now().uptimeNanoseconds + UInt64(max(0, timeout) * 1e9))
        return await withTaskCancellationHandler {
            await withCheckedContinuation { c in
                job.continuation = c
                let shouldSignal = lock.withLock { () -> Bool in
                    submitted.append(job)
                    defer { wakePending = true }
                    return !wakePending
                }
                if shouldSignal { signal() }
            }
        } onCancel: {
            lock.withLock { job.cancelled = true }
            signal()
        }
    }

    private func signal() {
        var b: UInt8 = 1
        _ = write(wake.write, &b, 1)
    }

    private func resolve(host: String, port: UInt16) -> Result<Endpoint, Failure> {
        let key = "\(host):\(port)"
        if let e = lock.withLock({ resolved[key] }) { return .success(e) }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            return .failure(.connect("cannot resolve \(host): \(String(cString: gai_strerror(rc)))"))
        }
        defer { freeaddrinfo(list) }
        let bytes = Array(UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        let e = Endpoint(host: host, port: port, family: first.pointee.ai_family, address: bytes)
        lock.withLock { resolved[key] = e }
        return .success(e)
    }

    static func setNonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    // MARK: - Loop-side access to the shared state

    /// Jobs submitted since the last call, and whether the loop should stop.
    fileprivate func takeSubmitted() -> (jobs: [Job], stop: Bool) {
        var drain = [UInt8](repeating: 0, count: 256)
        while read(wake.read, &drain, drain.count) > 0 {}
        return lock.withLock {
            let jobs = submitted
            submitted = []
            wakePending = false
            return (jobs, stopping)
        }
    }

    fileprivate func isCancelled(_ job: Job) -> Bool { lock.withLock { job.cancelled } }

    fileprivate var wakeFD: Int32 { wake.read }

    fileprivate func loopFinished() {
        close(wake.read)
        close(wake.write)
        finished.signal()
    }
}

/// The loop thread's state: connections by descriptor and idle ones by endpoint.
private final class EventLoop {
    let client: HTTP1Client
    var connections: [Int32: HTTPConnection] = [:]
    var idle: [HTTP1Client.Endpoint: [HTTPConnection]] = [:]
    /// When deadlines and cancellations were last checked (uptime nanoseconds).
    var lastExpiry: UInt64 = 0

    init(client: HTTP1Client) { self.client = client }

    func run() {
        var fds: [pollfd] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let (jobs, stop) = client.takeSubmitted()
            if stop { break }
            for job in jobs { start(job) }

            fds.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: client.wakeFD, events: Int16(POLLIN), revents: 0))
            var busy = false
            for c in connections.values {
                let wantsWrite = c.state == .connecting || c.state == .sending
                fds.append(pollfd(fd: c.fd, events: Int16(wantsWrite ? POLLOUT : POLLIN), revents: 0))
                if c.job != nil { busy = true }
            }
            // With exchanges under way, wake every 20 ms to enforce deadlines and cancellations.
            let n = poll(&fds, nfds_t(fds.count), busy ? 20 : -1)
            if n < 0 && errno != EINTR { break }
            for p in fds.dropFirst() where p.revents != 0 {
                guard let c = connections[p.fd] else { continue }
                event(c, revents: p.revents, &buffer)
            }
            if busy { expire() }
        }
        for c in connections.values {
            if let job = c.job { finish(job, .failure(.cancelled)) }
            close(c.fd)
        }
        for job in client.takeSubmitted().jobs { finish(job, .failure(.cancelled)) }
        client.loopFinished()
    }

    /// Gives a job an idle connection to its endpoint, or opens one.
    func start(_ job: HTTP1Client.Job) {
        if client.isCancelled(job) { return finish(job, .failure(.cancelled)) }
        if var list = idle[job.endpoint], let c = list.popLast() {
            idle[job.endpoint] = list
            c.assign(job, reused: true)
            if !c.flush() { fail(c, stale: true, "connection lost while sending") }
            return
        }
        switch HTTPConnection.open(job.endpoint) {
        case .failure(let f): finish(job, .failure(f))
        case .success(let c):
            connections[c.fd] = c
            c.assign(job, reused: false)
            if c.state == .sending && !c.flush() { fail(c, stale: false, "connection lost while sending") }
        }
    }

    func event(_ c: HTTPConnection, revents: Int16, _ buffer: inout [UInt8]) {
        switch c.state {
        case .idle:
            // An idle connection only becomes readable when the server closes it.
            drop(c)
        case .connecting:
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len)
            if err != 0 {
                let job = c.job!
                drop(c)
                return finish(job, .failure(.connect("connect to \(job.endpoint.host):\(job.endpoint.port): \(String(cString: strerror(err)))")))
            }
            c.state = .sending
            if !c.flush() { fail(c, stale: false, "connection lost while sending") }
        case .sending:
            if !c.flush() { fail(c, stale: c.reused, "connection lost while sending") }
        case .receiving:
            switch c.receive(&buffer) {
            case .pending: break
            case .failed(let why): fail(c, stale: c.reused && c.input.isEmpty, why)
            case .malformed(let why):
                let job = c.job!
                drop(c)
                finish(job, .failure(.malformed(why)))
            case .done(let reply, let keepAlive):
                let job = c.job!
                c.job = nil
                if keepAlive {
                    c.state = .idle
                    idle[job.endpoint, default: []].append(c)
                } else {
                    drop(c)
                }
                finish(job, .success(reply))
            }
        }
    }

    /// A connection broke: a stale reused one gets its job a fresh connection once; otherwise
    /// the job fails as reset.
    func fail(_ c: HTTPConnection, stale: Bool, _ why: String) {
        let job = c.job!
        drop(c)
        if stale && !job.retriedStale {
            job.retriedStale = true
            return start(job)
        }
        finish(job, .failure(.reset("\(job.endpoint.host):\(job.endpoint.port): \(why)")))
    }

    /// Fails exchanges past their deadline or cancelled; at most every 20 ms, since it scans
    /// every connection.
    func expire() {
        let now = DispatchTime.now().uptimeNanoseconds
        guard now >= lastExpiry + 20_000_000 else { return }
        lastExpiry = now
        for c in Array(connections.values) {
            guard let job = c.job else { continue }
            if client.isCancelled(job) {
                drop(c)
                finish(job, .failure(.cancelled))
            } else if now > job.deadline {
                drop(c)
                finish(job, .failure(.timeout))
            }
        }
    }

    func drop(_ c: HTTPConnection) {
        if c.state == .idle, let list = idle[c.endpoint] { idle[c.endpoint] = list.filter { $0 !== c } }
        connections[c.fd] = nil
        close(c.fd)
        c.job = nil
    }

    func finish(_ job: HTTP1Client.Job, _ result: Result<HTTP1Client.Reply, HTTP1Client.Failure>) {
        let c = job.continuation
        job.continuation = nil
        c?.resume(returning: result)
    }
}
