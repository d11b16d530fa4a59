import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal HTTP/1.1 responder on 127.0.0.1 for tests and `steptree bench http`: one thread,
/// `poll(2)` over non-blocking sockets, keep-alive, `Content-Length` bodies, and a handler that
/// answers each request at once. Not a general server: no chunked bodies, no TLS.
public final class LoopbackHTTPServer: @unchecked Sendable {
    /// One parsed request.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var body: Data
    }

    /// The answer to one request; `status == 0` closes the connection without answering.
    public struct Response: Sendable {
        public var status: Int
        public var body: Data
        public init(status: Int, body: Data) {
            self.status = status
            self.body = body
        }
        /// Closes the connection without an answer (the client sees a reset).
        public static let dropConnection = Response(status: 0, body: Data())
    }

    /// Counters read after or during a run.
    public struct Statistics: Sendable {
        /// Requests answered.
        public var requests = 0
        /// The most connections open at once.
        public var maxConnections = 0
    }

    /// The port it listens on (chosen by the system when 0 was asked for).
    public let port: UInt16
    private let handler: @Sendable (Request) -> Response
    private let listenFD: Int32
    private let wakeFDs: (read: Int32, write: Int32)
    private let lock = NSLock()
    private var stopping = false
    private var stats = Statistics()
    private let finished = DispatchSemaphore(value: 0)

    /// Binds 127.0.0.1:`port` and starts serving on a background thread.
    public init(port: UInt16 = 0, handler: @escaping @Sendable (Request) -> Response) throws {
        self.handler = handler
        // Close-on-exec, so a process spawned meanwhile does not keep the port bound after `stop()`.
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw HTTPGeneratorError(.socket, "loopback server: socket(): errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 4096) == 0 else {
            let e = errno
            close(fd)
            throw HTTPGeneratorError(.socket, "loopback server: bind/listen on 127.0.0.1:\(port): errno \(e)")
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.port = UInt16(bigEndian: addr.sin_port)
        listenFD = fd
        var p: [Int32] = [0, 0]
        guard pipe(&p) == 0 else { throw HTTPGeneratorError(.socket, "loopback server: pipe(): errno \(errno)") }
        for end in p { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        wakeFDs = (p[0], p[1])
        Self.setNonBlocking(fd)
        Self.setNonBlocking(p[0])
        let thread = Thread { [self] in serve() }
        thread.name = "loopback-http"
        thread.start()
    }

    /// Counters so far.
    public var statistics: Statistics { lock.withLock { stats } }

    /// Stops serving and closes every socket; returns once the serving thread is done. The
    /// serving thread holds the server, so call this when done with it.
    public func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopping = true }
            return !stopping
        }
        guard first else { return }
        var b: UInt8 = 1
        _ = write(wakeFDs.write, &b, 1)
        finished.wait()
    }

    private final class Connection {
        let fd: Int32
        var input: [UInt8] = []
        var output: [UInt8] = []
        var sent = 0
        var continueSent = false
        init(fd: Int32) { self.fd = fd }
    }

    private func serve() {
        var connections: [Int32: Connection] = [:]
        var buffer = [UInt8](repeating: 0, count: 65536)
        var fds: [pollfd] = []
        loop: while true {
            fds.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: wakeFDs.read, events: Int16(POLLIN), revents: 0))
            fds.append(pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0))
            for c in connections.values {
                fds.append(pollfd(fd: c.fd, events: Int16(c.sent < c.output.count ? POLLOUT : POLLIN), revents: 0))
            }
            guard poll(&fds, nfds_t(fds.count), -1) >= 0 else {
                if errno == EINTR { continue }
                break
            }
            if fds[0].revents != 0 { break loop }
            if fds[1].revents != 0 {
                while true {
                    let fd = accept(listenFD, nil, nil)
                    if fd < 0 { break }
                    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                    Self.setNonBlocking(fd)
                    var one: Int32 = 1
                    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                    connections[fd] = Connection(fd: fd)
                }
                let open = connections.count
                lock.withLock { stats.maxConnections = max(stats.maxConnections, open) }
            }
            for p in fds.dropFirst(2) where p.revents != 0 {
                guard let c = connections[p.fd] else { continue }
                if !service(c, &buffer) {
                    close(c.fd)
                    connections[c.fd] = nil
                }
            }
        }
        for c in connections.values { close(c.fd) }
        close(listenFD)
        close(wakeFDs.read)
        close(wakeFDs.write)
        finished.signal()
    }

    /// Reads, answers complete requests, writes; false when the connection should close.
    private func service(_ c: Connection, _ buffer: inout [UInt8]) -> Bool {
        if c.sent < c.output.count { return flush(c) }
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(c.fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return false }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { break }
                return false
            }
            c.input.append(contentsOf: buffer[0..<n])
        }
        var answered = 0
        while let (request, consumed, expectsContinue) = Self.parse(c.input) {
            guard let request else {
                // Headers complete, body still to come: tell a waiting client to send it.
                if expectsContinue && !c.continueSent {
                    c.output += Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
                    c.continueSent = true
                }
                break
            }
            c.input.removeFirst(consumed)
            c.continueSent = false
            let response = handler(request)
            if response.status == 0 { return false }
            c.output += Array("HTTP/1.1 \(response.status) \(response.status < 400 ? "OK" : "Error")\r\nContent-Type: application/json\r\nContent-Length: \(response.body.count)\r\n\r\n".utf8)
            c.output += response.body
            answered += 1
        }
        if answered > 0 { lock.withLock { stats.requests += answered } }
        return flush(c)
    }

    private func flush(_ c: Connection) -> Bool {
        while c.sent < c.output.count {
            let n = c.output.withUnsafeBytes { send(c.fd, $0.baseAddress! + c.sent, $0.count - c.sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 { return errno == EAGAIN || errno == EWOULDBLOCK }
            c.sent += n
        }
        c.output.removeAll(keepingCapacity: true)
        c.sent = 0
        return true
    }

    /// A complete request at the start of `bytes` and the bytes it spans; `request` is nil when
    /// the headers are complete but the body is not. Returns nil while the headers are incomplete.
    static func parse(_ bytes: [UInt8]) -> (request: Request?, consumed: Int, expectsContinue: Bool)? {
        guard bytes.count >= 4 else { return nil }
        var end = -1
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            end = i
            break
        }
        guard end >= 0 else { return nil }
        let head = String(decoding: bytes[0..<end], as: UTF8.self)
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let parts = lines.first?.split(separator: " ") ?? []
        var length = 0
        var expectsContinue = false
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "content-length" { length = Int(value) ?? 0 }
            if name == "expect" && value.lowercased() == "100-continue" { expectsContinue = true }
        }
        let total = end + 4 + length
        guard bytes.count >= total else { return (nil, 0, expectsContinue) }
        let request = Request(method: parts.count > 0 ? String(parts[0]) : "", path: parts.count > 1 ? String(parts[1]) : "",
                              body: Data(bytes[(end + 4)..<total]))
        return (request, total, false)
    }

    private static func setNonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }
}
