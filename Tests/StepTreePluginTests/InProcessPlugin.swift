import Foundation
import StepTreePluginKit

/// A `VerifierPlugin` served on pipes inside the test process: the test writes request lines and
/// reads response lines, as a host would over the plugin's stdin and stdout.
final class InProcessPlugin: @unchecked Sendable {
    private let input: (read: Int32, write: Int32)
    private let output: (read: Int32, write: Int32)
    private let finished = DispatchSemaphore(value: 0)
    private var buffer: [UInt8] = []
    private var status: Int32 = -1

    init(_ plugin: VerifierPlugin) {
        var a: [Int32] = [0, 0], b: [Int32] = [0, 0]
        precondition(pipe(&a) == 0 && pipe(&b) == 0, "pipe failed")
        input = (a[0], a[1])
        output = (b[0], b[1])
        let thread = Thread { [self] in
            status = plugin.run(input: input.read, output: output.write)
            finished.signal()
        }
        thread.start()
    }

    /// Sends one line (a newline is appended).
    func send(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count { offset += max(0, write(input.write, raw.baseAddress! + offset, raw.count - offset)) }
        }
    }

    /// Sends `initialize` and returns its response.
    func initialize() throws -> JSON {
        send(#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":1,"clientInfo":{"name":"test","version":"0"}}}"#)
        return try receive()
    }

    /// Sends a `verify` request of `kind` over `items`.
    func verify(id: Int, kind: String = "step", _ items: [VerifyItem]) {
        let params: JSON = ["kind": .string(kind), "items": .array(items.map(\.json))]
        send(#"{"jsonrpc":"2.0","id":\#(id),"method":"verify","params":\#(params.text)}"#)
    }

    /// The next response line, parsed (blocks until it arrives).
    func receive() throws -> JSON {
        while true {
            if let end = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<end])
                buffer.removeFirst(end + 1)
                return try JSON.parse(line)
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = read(output.read, &chunk, chunk.count)
            guard n > 0 else { throw CocoaError(.fileReadUnknown) }
            buffer += chunk[..<n]
        }
    }

    /// The results of a `verify` response.
    func results() throws -> [ItemResult] {
        let response = try receive()
        guard let list = response["result"]?["results"]?.array else { throw CocoaError(.coderInvalidValue) }
        return try list.enumerated().map { try ItemResult(json: $0.element, index: $0.offset) }
    }

    /// Closes the plugin's input and returns its exit status.
    func close() -> Int32 {
        Glibc.close(input.write)
        finished.wait()
        Glibc.close(input.read)
        Glibc.close(output.write)
        Glibc.close(output.read)
        return status
    }
}
