import Foundation
import Testing
@testable import StepTreeHTTP

@Suite struct HTTPResponseParserTests {
    func parse(_ text: String, eof: Bool = false) -> HTTPConnection.Outcome {
        HTTPResponseParser.parse(Array(text.utf8), eof: eof)
    }

    func reply(_ o: HTTPConnection.Outcome) -> (status: Int, body: String, keepAlive: Bool)? {
        guard case .done(let r, let keepAlive) = o else { return nil }
        return (r.status, String(decoding: r.body, as: UTF8.self), keepAlive)
    }

    @Test func contentLengthAnswerIsCompleteOnlyWithItsWholeBody() {
        let full = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}"
        #expect(reply(parse(full))! == (200, "{\"a\":1}", true))
        if case .pending = parse(String(full.dropLast())) {} else { Issue.record("a short body is not complete") }
        if case .pending = parse("HTTP/1.1 200 OK\r\nContent-Len") {} else { Issue.record("headers are not complete") }
    }

    @Test func chunkedAnswerWithInterimContinue() {
        let text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\ntransfer-encoding: chunked\r\n\r\n"
            + "4\r\n{\"a\"\r\n3;ext=1\r\n:1}\r\n0\r\n\r\n"
        #expect(reply(parse(text))! == (503, "{\"a\":1}", true))
        if case .pending = parse(String(text.dropLast(2))) {} else { Issue.record("the last chunk is not complete") }
    }

    @Test func connectionCloseAndBodyToEndOfStream() {
        let closing = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"
        #expect(reply(parse(closing))! == (200, "{}", false))
        let http10 = "HTTP/1.0 200 OK\r\n\r\n{\"x\":2}"
        if case .pending = parse(http10) {} else { Issue.record("without a length the body runs to EOF") }
        #expect(reply(parse(http10, eof: true))! == (200, "{\"x\":2}", false))
    }

    @Test func garbageIsMalformed() {
        guard case .malformed(let why) = parse("SSH-2.0-OpenSSH\r\n\r\n") else {
            Issue.record("not HTTP")
            return
        }
        #expect(why.contains("bad status line"))
    }
}
