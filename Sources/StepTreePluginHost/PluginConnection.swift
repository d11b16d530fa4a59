import Foundation
import StepTreePluginProtocol

/// One live plugin process and its protocol session: handshake, requests matched to responses
/// by id (in any order), per-request timeout → `$/cancel` → kill, and the shutdown sequence.
///
/// Any stdout line that is not a protocol message (bad JSON, bad UTF-8, oversize, not JSON-RPC)
/// kills the process: its outstanding requests fail with `.protocolViolation` and the pool
/// starts a fresh one.
final class PluginConnection: @unchecked Sendable {
    let name: String
    private(set) var handshake: InitializeResult!
    private var process: PluginProcess!
    private let options: PluginHostOptions
    private let lock = NSLock()
    private var pending: [Int: Pending] = [:]
    private var nextID = 0
    private var failure: PluginHostError?
    private var lineNumber = 0
    /// Told about timeouts and protocol violations (for the run's counters).
    var onEvent: @Sendable (Event) -> Void = { _ in }

    /// Something the run summary counts.
    enum Event {
        case timeout, violation
    }

    /// A response: plain JSON, or a verify result decoded on the fast path.
    enum Reply {
        case json(JSON)
        case verify(VerifyResult)
    }

    private struct Pending {
        var continuation: CheckedContinuation<Reply, Error>
        var method: String
        var timer: Task<Void, Never>?
    }

    private init(name: String, options: PluginHostOptions) {
        self.name = name
        self.options = options
    }

    /// Spawns the executable and runs the `initialize` handshake.
    /// - Throws: `PluginHostError` (`.spawnFailed`, `.handshakeFailed`).
    static func start(name: String, executable: String, arguments: [String], options: PluginHostOptions,
                      onEvent: @escaping @Sendable (Event) -> Void = { _ in }) async throws -> PluginConnection {
        let connection = PluginConnection(name: name, options: options)
        connection.onEvent = onEvent
        connection.process = try PluginProcess(
            name: name, executable: executable, arguments: arguments, options: options,
            onLine: { [weak connection] line in connection?.received(line) },
            onEnd: { [weak connection] in connection?.ended() })
        do {
            let params = InitializeParams(client: PeerInfo(name: "steptree", version: "0.1"))
            let result = try await connection.call(PluginMethod.initialize, params.json, timeout: options.handshakeTimeout)
            let handshake = try InitializeResult(json: result)
            guard PluginMethod.supportedVersions.contains(handshake.protocolVersion) else {
                throw PluginHostError(.handshakeFailed, "\(name) answered protocol version \(handshake.protocolVersion); "
                    + "this host speaks \(PluginMethod.supportedVersions)")
            }
            connection.handshake = handshake
            return connection
        } catch {
            connection.kill()
            await connection.process.waitForLastWords()
            let why = (error as? PluginHostError)?.message ?? "\(error)"
            let note = why.contains("; last stderr: ") ? "" : connection.stderrNote
            throw PluginHostError(.handshakeFailed, "\(name): initialize failed: \(why)" + note)
        }
    }

    var isAlive: Bool { lock.withLock { failure == nil } }
    var pid: Int32 { process.pid }

    /// Sends a request and waits for its response. After `timeout` seconds the host sends
    /// `$/cancel`; after `cancelGrace` more the process is killed and the call throws `.timedOut`.
    /// - Throws: `PluginHostError` (`.timedOut`, `.exited`, `.protocolViolation`, `.remoteError`).
    func call(_ method: String, _ params: JSON, timeout: Double) async throws -> JSON {
        var text: [UInt8] = []
        params.write(to: &text)
        switch try await call(method, params: text, timeout: timeout) {
        case .json(let json): return json
        case .verify(let result): return result.json
        }
    }

    /// `call` with params already rendered as JSON text (the batch path: see `VerifyParams.write`).
    /// With `escalate` false (the `shutdown` request), a timeout only fails the call: no cancel, no kill.
    func call(_ method: String, params: [UInt8], timeout: Double, escalate: Bool = true) async throws -> Reply {
        try await withCheckedThrowingContinuation { continuation in
            let id: Int? = lock.withLock {
                if let failure {
                    continuation.resume(throwing: failure)
                    return nil
                }
                nextID += 1
                pending[nextID] = Pending(continuation: continuation, method: method, timer: nil)
                return nextID
            }
            guard let id else { return }
            process.write(Message.requestLine(id: id, method: method, params: params))
            let timer = Task { [weak self] in
                try? await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                guard !Task.isCancelled, let self, self.isPending(id) else { return }
                guard escalate else {
                    self.resolve(.number(Double(id)), .failure(PluginHostError(.timedOut, "\(self.name): no answer to \(method) within \(timeout) s")))
                    return
                }
                self.onEvent(.timeout)
                self.process.write(Message.notification(method: PluginMethod.cancel, params: ["id": .number(Double(id))]).line)
                try? await Task.sleep(nanoseconds: UInt64(self.options.cancelGrace * 1e9))
                guard !Task.isCancelled, self.isPending(id) else { return }
                self.fail(PluginHostError(.timedOut, "\(self.name): request \(id) (\(method)) got no response within "
                    + "\(timeout) s plus \(self.options.cancelGrace) s after $/cancel; killed the plugin"))
            }
            lock.withLock {
                if pending[id] != nil { pending[id]!.timer = timer } else { timer.cancel() }
            }
        }
    }

    /// Sends a notification.
    func notify(_ method: String, _ params: JSON) {
        process.write(Message.notification(method: method, params: params).line)
    }

    private func isPending(_ id: Int) -> Bool { lock.withLock { pending[id] != nil } }

    private func received(_ line: LineReader.Line) {
        let number = lock.withLock { () -> Int in lineNumber += 1; return lineNumber }
        let message: Message
        switch line {
        case .tooLong(let size):
            violation("stdout line \(number) is longer than \(options.maxLineBytes) bytes (\(size)+ bytes)")
            return
        case .line(let bytes):
            do {
                let isVerify: (JSON) -> Bool = { [self] id in
                    lock.withLock { id.int.flatMap { pending[$0]?.method } == PluginMethod.verify }
                }
                switch try WireDecoder.decode(bytes, isVerify: isVerify) {
                case .message(let m): message = m
                case .verifyResponse(let id, let result):
                    resolve(id, .success(.verify(result)))
                    return
                case .verifyRequest(let id, _):
                    message = .request(id: id, method: PluginMethod.verify, params: .null)
                }
            } catch {
                let preview = String(decoding: bytes.prefix(80), as: UTF8.self)
                violation("stdout line \(number) is not a protocol message (\(error)): \(preview.debugDescription)")
                return
            }
        }
        switch message {
        case .response(let id, let result):
            resolve(id, .success(.json(result)))
        case .error(let id, let error):
            if id == .null {
                options.log("[\(name)] error response without id: \(error)")
            } else {
                let code: PluginHostError.Code = error.code == .requestCancelled ? .cancelled : .remoteError
                resolve(id, .failure(PluginHostError(code, "\(name): request \(id.text) failed: \(error)")))
            }
        case .request(let id, let method, _):
            process.write(Message.error(id: id, error: PluginProtocolError(
                .methodNotFound, "the host offers no methods (got \"\(method)\")")).line)
        case .notification:
            break // unknown notifications are ignored
        }
    }

    private func resolve(_ id: JSON, _ result: Result<Reply, Error>) {
        let entry: Pending? = lock.withLock {
            guard let key = id.int else { return nil }
            return pending.removeValue(forKey: key)
        }
        guard let entry else {
            options.log("[\(name)] ignored a response to request \(id.text), which is not outstanding (late after cancel?)")
            return
        }
        entry.timer?.cancel()
        entry.continuation.resume(with: result)
    }

    private func violation(_ what: String) {
        onEvent(.violation)
        options.log("[\(name)] protocol violation: \(what); killing the plugin")
        fail(PluginHostError(.protocolViolation, "\(name): \(what)"))
    }

    private func ended() {
        Task {
            await process.waitForLastWords()
            fail(PluginHostError(.exited, "\(name) (pid \(process.pid)) closed stdout (\(process.exitDescription))" + stderrNote))
        }
    }

    /// Marks the connection dead, kills the process and fails every outstanding request.
    func fail(_ error: PluginHostError) {
        let entries: [Pending] = lock.withLock {
            if failure == nil { failure = error }
            defer { pending.removeAll() }
            return Array(pending.values)
        }
        kill()
        for entry in entries {
            entry.timer?.cancel()
            entry.continuation.resume(throwing: error)
        }
    }

    private func kill() {
        process.closeStdin()
        process.kill(SIGKILL)
    }

    private var stderrNote: String {
        let tail = process.recentStderr.suffix(5)
        return tail.isEmpty ? "" : "; last stderr: " + tail.joined(separator: " | ")
    }

    /// The orderly shutdown: `shutdown` request, close stdin, SIGTERM, SIGKILL, each step
    /// waiting `shutdownGrace` seconds for the previous one.
    func shutdown() async {
        let grace = options.shutdownGrace
        if isAlive { _ = try? await call(PluginMethod.shutdown, params: [], timeout: grace, escalate: false) }
        lock.withLock { if failure == nil { failure = PluginHostError(.shutDown, "\(name) was shut down") } }
        process.closeStdin()
        if await process.waitForExit(seconds: grace) { return }
        process.kill(SIGTERM)
        if await process.waitForExit(seconds: grace) { return }
        options.log("[\(name)] did not exit after SIGTERM; sending SIGKILL")
        process.kill(SIGKILL)
        _ = await process.waitForExit(seconds: grace)
    }
}
