/// What happened in one sandboxed run.
public struct SandboxRun: Hashable, Sendable {
    /// Exit status of the sandbox (bubblewrap passes the program's on; 128+N when signal N killed
    /// it), or nil when the verifier killed the sandbox.
    public var exitStatus: Int32?
    /// The wall-time limit ran out and the sandbox was killed.
    public var timedOut: Bool
    /// stdout plus stderr passed `outputBytes` and the sandbox was killed.
    public var outputExceeded: Bool
    /// Captured stdout (at most `outputBytes`).
    public var stdout: [UInt8]
    /// Captured stderr (at most `outputBytes`).
    public var stderr: [UInt8]
    /// Bytes the harness wrote on its result channel (file descriptor 3).
    public var channel: [UInt8]
    /// Wall seconds from spawn to exit.
    public var seconds: Double

    /// The last non-empty line of stderr, at most 200 characters.
    public var lastErrorLine: String {
        let text = String(decoding: stderr, as: UTF8.self)
        let line = text.split(separator: "\n").last { !$0.allSatisfy(\.isWhitespace) } ?? ""
        return String(line.prefix(200))
    }
}
