import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One keep-alive HTTP/1.1 connection of `HTTP1Client`, used only on its loop thread: sends a
/// request, then parses the answer (`Content-Length`, chunked, or up to EOF).
final class HTTPConnection {
    enum State { case connecting, sending, receiving, idle }

    enum Outcome {
        case pending
        case done(HTTP1Client.Reply, keepAlive: Bool)
        case failed(String)
        case malformed(String)
    }

    let fd: Int32
    let endpoint: HTTP1Client.Endpoint
    var state: State
    var job: HTTP1Client.Job?
    /// The job came on a connection that had served an earlier request.
    private(set) var reused = false
    private var sent = 0
    private(set) var input: [UInt8] = []

    private init(fd: Int32, endpoint: HTTP1Client.Endpoint, state: State) {
        self.fd = fd
        self.endpoint = endpoint
        self.state = state
    }

    /// Starts a non-blocking connect.
    static func open(_ e: HTTP1Client.Endpoint) -> Result<HTTPConnection, HTTP1Client.Failure> {
        #if canImport(Glibc)
        let fd = socket(e.family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(e.family, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return .failure(.connect("socket(): \(String(cString: strerror(errno)))")) }
        HTTP1Client.setNonBlocking(fd)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        #if canImport(Darwin)
        setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        let rc = e.address.withUnsafeBytes {
            connect(fd, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t($0.count))
        }
        if rc == 0 { return .success(HTTPConnection(fd: fd, endpoint: e, state: .sending)) }
        if errno == EINPROGRESS { return .success(HTTPConnection(fd: fd, endpoint: e, state: .connecting)) }
        let why = String(cString: strerror(errno))
        close(fd)
        return .failure(.connect("connect to \(e.host):\(e.port): \(why)"))
    }

    func assign(_ job: HTTP1Client.Job, reused: Bool) {
        self.job = job
        self.reused = reused
        sent = 0
        input.removeAll(keepingCapacity: true)
        if state == .idle { state = .sending }
    }

    /// Writes what it can of the request; false when the connection broke.
    func flush() -> Bool {
        guard let request = job?.request else { return false }
        while sent < request.count {
            #if canImport(Glibc)
            let flags = Int32(MSG_NOSIGNAL)
            #else
            let flags: Int32 = 0
            #endif
            let n = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, flags) }
            if n < 0 { return errno == EAGAIN || errno == EWOULDBLOCK }
            sent += n
        }
        state = .receiving
        return true
    }

    /// Reads what has arrived and tries to complete the answer.
    func receive(_ buffer: inout [UInt8]) -> Outcome {
        var eof = false
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                input.append(contentsOf: buffer[0..<n])
                continue
            }
            if n == 0 {
                eof = true
                break
            }
            if errno == EAGAIN || errno == EWOULDBLOCK { break }
            return .failed("receive: \(String(cString: strerror(errno)))")
        }
        let outcome = HTTPResponseParser.parse(input, eof: eof)
        if case .pending = outcome, eof {
            return .failed(input.isEmpty ? "connection closed before any answer" : "connection closed mid-answer")
        }
        return outcome
    }
}

/// Parses one HTTP/1.1 answer from the bytes received so far.
enum HTTPResponseParser {
    static func parse(_ bytes: [UInt8], eof: Bool) -> HTTPConnection.Outcome {
        var start = 0
        while true {
            guard let headerEnd = find(bytes, from: start) else { return .pending }
            let head = String(decoding: bytes[start..<headerEnd], as: UTF8.self)
            let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
            let statusParts = lines.first?.split(separator: " ") ?? []
            guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
                return .malformed("bad status line \"\(lines.first ?? "")\"")
            }
            let bodyStart = headerEnd + 4
            if (100..<200).contains(status) {
                // Interim answer (100 Continue): the real one follows.
                start = bodyStart
                continue
            }
            var length: Int?
            var chunked = false
            var keepAlive = statusParts[0] == "HTTP/1.1"
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let name = line[..<colon].lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces).lowercased()
                switch name {
                case "content-length": length = Int(value)
                case "transfer-encoding": chunked = value.contains("chunked")
                case "connection": keepAlive = value.contains("keep-alive") || (keepAlive && !value.contains("close"))
                default: break
                }
            }
            if chunked {
                guard let body = dechunk(bytes, from: bodyStart) else { return .pending }
                return .done(.init(status: status, body: body), keepAlive: keepAlive)
            }
            if let length {
                guard bytes.count >= bodyStart + length else { return .pending }
                return .done(.init(status: status, body: Data(bytes[bodyStart..<(bodyStart + length)])), keepAlive: keepAlive)
            }
            // No length: the body runs to the end of the connection.
            guard eof else { return .pending }
            return .done(.init(status: status, body: Data(bytes[bodyStart...])), keepAlive: false)
        }
    }

    /// Index of the first "\r\n\r\n" at or after `from`.
    static func find(_ b: [UInt8], from: Int) -> Int? {
        guard b.count >= from + 4 else { return nil }
        for i in from...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 {
            return i
        }
        return nil
    }

    /// The decoded body of a complete chunked encoding starting at `from`, or nil while incomplete.
    static func dechunk(_ b: [UInt8], from: Int) -> Data? {
        var body = Data()
        var i = from
        while true {
            guard let lineEnd = crlf(b, from: i) else { return nil }
            let sizeText = String(decoding: b[i..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { return nil }
            i = lineEnd + 2
            if size == 0 {
                // Trailers (usually none) end with an empty line.
                while true {
                    guard let end = crlf(b, from: i) else { return nil }
                    if end == i { return body }
                    i = end + 2
                }
            }
            guard b.count >= i + size + 2 else { return nil }
            body.append(contentsOf: b[i..<(i + size)])
            i += size + 2
        }
    }

    private static func crlf(_ b: [UInt8], from: Int) -> Int? {
        guard b.count >= from + 2 else { return nil }
        for i in from...(b.count - 2) where b[i] == 13 && b[i + 1] == 10 { return i }
        return nil
    }
}
