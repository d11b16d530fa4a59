@_exported import StepTreePluginProtocol
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a verifier plugin's side of the protocol on stdin/stdout.
///
/// You supply the plugin's identity, its capabilities and a function that judges one item (or,
/// for plugins that gain from batching such as a PRM's batched forward pass, all items of one
/// request at once); the runner does the rest of `Plugins/PROTOCOL.md`: line framing, the
/// `initialize` handshake and version check, `verify` batches (up to `maxConcurrentRequests` of
/// them at once, answered as they finish), `$/cancel`, `shutdown`, error responses for malformed
/// lines, and logging to stderr only.
///
///     let plugin = VerifierPlugin(name: "verifier-length", version: "1.0",
///                                 capabilities: .init(kinds: [.outcome])) { item, context in
///         ItemResult(id: item.id, status: .ok, score: item.completion.count < 100 ? 1 : 0)
///     }
///     exit(plugin.run())
public final class VerifierPlugin: @unchecked Sendable {
    /// Judges one item. Throwing gives the item `status: error` with the error as detail (use it
    /// for failures, never for wrong answers). The runner sets the result's `id`.
    public typealias Handler = (VerifyItem, VerifyContext) throws -> ItemResult
    /// Judges all items of one `verify` request: returns exactly one result per item, in item
    /// order (the runner sets each result's `id` from its item). Per-item failures are results
    /// (`status: error`, `timeout` once `context.isCancelled`, `unparseable`); throwing, or
    /// returning another number of results, gives every item of the request `status: error`
    /// with the reason as detail.
    public typealias BatchHandler = ([VerifyItem], VerifyContext) throws -> [ItemResult]

    /// Name and version sent in the `initialize` result.
    public let info: PeerInfo
    /// Capabilities sent in the `initialize` result.
    public let capabilities: PluginCapabilities
    /// Longest accepted input line in bytes; longer lines get a `.lineTooLong` error response.
    public let maxLineBytes: Int
    private let handler: BatchHandler

    private let lock = PthreadLock()
    private var initialized = false
    private var shuttingDown = false
    private var active: Set<JSON> = []
    private var cancelled: Set<JSON> = []
    private let workers: DispatchQueue
    private let slots: DispatchSemaphore
    private let inFlight = DispatchGroup()
    private var output: Int32 = 1

    /// Creates a plugin that judges one item at a time. `maxLineBytes` defaults to 64 MiB.
    public convenience init(name: String, version: String, capabilities: PluginCapabilities, maxLineBytes: Int = 64 << 20,
                            handler: @escaping Handler) {
        self.init(name: name, version: version, capabilities: capabilities, maxLineBytes: maxLineBytes) { items, context in
            items.map { item in
                do { return try handler(item, context) } catch {
                    return ItemResult(id: item.id, status: .error, score: 0, detail: "\(error)")
                }
            }
        }
    }

    /// Creates a plugin that judges all items of a request in one call (see `BatchHandler`).
    /// `maxLineBytes` defaults to 64 MiB.
    public init(name: String, version: String, capabilities: PluginCapabilities, maxLineBytes: Int = 64 << 20,
                batchHandler: @escaping BatchHandler) {
        self.info = PeerInfo(name: name, version: version)
        self.capabilities = capabilities
        self.maxLineBytes = maxLineBytes
        self.handler = batchHandler
        self.workers = DispatchQueue(label: "verify", attributes: .concurrent)
        self.slots = DispatchSemaphore(value: max(1, capabilities.maxConcurrentRequests))
    }

    /// Serves `input` (stdin) until it closes, writing protocol messages to `output` (stdout);
    /// returns the exit status (0 after a clean end of input).
    public func run(input: Int32 = 0, output: Int32 = 1) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        self.output = output
        var reader = LineReader(fd: input, maxLineBytes: maxLineBytes)
        while let line = reader.next() {
            switch line {
            case .tooLong(let size):
                send(.error(id: .null, error: PluginProtocolError(
                    .lineTooLong, "line of \(size)+ bytes exceeds the limit of \(maxLineBytes) bytes")))
            case .line(let bytes):
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                if bytes.count > 4096, lock.withLock({ initialized && !shuttingDown }) {
                    // A large line is a verify batch: parse it on a worker so reading never waits on parsing.
                    inFlight.enter()
                    slots.wait()
                    workers.async { [self] in
                        handle(bytes, onWorker: true)
                        slots.signal()
                        inFlight.leave()
                    }
                } else {
                    handle(bytes, onWorker: false)
                }
            }
        }
        inFlight.wait()
        return 0
    }

    /// Writes a log line to stderr (never stdout, which is the protocol's).
    public static func log(_ message: String) {
        var text = message
        text.append("\n")
        text.withCString { _ = fputs($0, stderr) }
    }

    private func handle(_ bytes: [UInt8], onWorker: Bool) {
        let message: Message
        do {
            switch try WireDecoder.decode(bytes) {
            case .message(let m): message = m
            case .verifyRequest(let id, let params):
                if ready(id: id, method: PluginMethod.verify) { startVerify(id: id, params: params, onWorker: onWorker) }
                return
            case .verifyResponse: return
            }
        } catch let error as PluginProtocolError {
            send(.error(id: error.code == .invalidRequest ? (error.data ?? .null) : .null, error: error))
            return
        } catch {
            return
        }
        switch message {
        case .request(let id, let method, let params):
            request(id: id, method: method, params: params, onWorker: onWorker)
        case .notification(let method, let params):
            if method == PluginMethod.cancel, let id = params["id"] {
                lock.withLock { if active.contains(id) { _ = cancelled.insert(id) } } // late cancels are ignored
            }
        case .response, .error:
            break // the host sends no requests to plugins; stray responses are ignored
        }
    }

    private func request(id: JSON, method: String, params: JSON, onWorker: Bool) {
        if method == PluginMethod.initialize {
            do {
                let p = try InitializeParams(json: params)
                guard PluginMethod.supportedVersions.contains(p.protocolVersion) else {
                    throw PluginProtocolError(.invalidParams, "unsupported protocol version \(p.protocolVersion)",
                        data: ["supported": .array(PluginMethod.supportedVersions.map { .number(Double($0)) }),
                               "requested": .number(Double(p.protocolVersion))])
                }
                lock.withLock { initialized = true }
                let result = InitializeResult(protocolVersion: p.protocolVersion, server: info, capabilities: capabilities)
                send(.response(id: id, result: result.json))
            } catch {
                send(.error(id: id, error: Self.protocolError(error)))
            }
            return
        }
        guard ready(id: id, method: method) else { return }
        switch method {
        case PluginMethod.verify:
            do {
                startVerify(id: id, params: try VerifyParams(json: params), onWorker: onWorker)
            } catch {
                send(.error(id: id, error: Self.protocolError(error)))
            }
        case PluginMethod.shutdown:
            lock.withLock { shuttingDown = true }
            if !onWorker { inFlight.wait() } // (a worker cannot wait for the group it belongs to)
            send(.response(id: id, result: .null))
        default:
            send(.error(id: id, error: PluginProtocolError(.methodNotFound, "unknown method \"\(method)\" (request \(id.text))")))
        }
    }

    /// Whether a request other than `initialize` may run now; answers it with an error if not.
    private func ready(id: JSON, method: String) -> Bool {
        let (isInitialized, isShuttingDown) = lock.withLock { (initialized, shuttingDown) }
        if !isInitialized {
            send(.error(id: id, error: PluginProtocolError(.notInitialized, "request \(id.text) (\(method)) before initialize")))
            return false
        }
        if isShuttingDown {
            send(.error(id: id, error: PluginProtocolError(.invalidRequest, "request \(id.text) (\(method)) after shutdown")))
            return false
        }
        return true
    }

    /// Runs a verify request on a worker (inline when already on one).
    private func startVerify(id: JSON, params: VerifyParams, onWorker: Bool) {
        guard capabilities.kinds.contains(params.kind) else {
            send(.error(id: id, error: PluginProtocolError(.invalidParams, "kind \"\(params.kind.rawValue)\" is not offered by \(info.name)")))
            return
        }
        lock.withLock { _ = active.insert(id) }
        if onWorker {
            finish(id, verify(id: id, params: params))
            return
        }
        inFlight.enter()
        slots.wait()
        workers.async { [self] in
            finish(id, verify(id: id, params: params))
            slots.signal()
            inFlight.leave()
        }
    }

    private func finish(_ id: JSON, _ response: [UInt8]) {
        lock.withLock {
            active.remove(id)
            cancelled.remove(id)
        }
        write(response)
    }

    /// The response line for a verify request: one result per item, in item order.
    private func verify(id: JSON, params: VerifyParams) -> [UInt8] {
        let context = VerifyContext(kind: params.kind, requestID: id) { [self] in lock.withLock { cancelled.contains(id) } }
        let items = params.items
        var results: [ItemResult]
        do {
            results = try handler(items, context)
            if results.count != items.count {
                throw PluginProtocolError(.internalError, "\(info.name) answered \(results.count) results for \(items.count) items")
            }
        } catch {
            let detail = (error as? PluginProtocolError)?.message ?? "\(error)"
            results = items.map { ItemResult(id: $0.id, status: .error, score: 0, detail: detail) }
        }
        var out: [UInt8] = Array(#"{"results":["#.utf8)
        out.reserveCapacity(64 + 128 * items.count)
        for (i, (item, r)) in zip(items, results).enumerated() {
            var result = r
            result.id = item.id
            result.score = min(1, max(0, result.score.isNaN ? 0 : result.score))
            if i > 0 { out.append(UInt8(ascii: ",")) }
            result.write(to: &out)
        }
        out.append(contentsOf: "]}".utf8)
        return Message.responseLine(id: id, result: out)
    }

    private static func protocolError(_ error: Error) -> PluginProtocolError {
        (error as? PluginProtocolError) ?? PluginProtocolError(.internalError, "\(error)")
    }

    private func send(_ message: Message) {
        write(message.line)
    }

    private func write(_ bytes: [UInt8]) {
        lock.withLock {
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(output, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        exit(0) // the host closed our stdout: nobody is listening any more
                    }
                    offset += n
                }
            }
        }
    }
}

/// What a handler may ask while judging an item.
public struct VerifyContext: Sendable {
    /// The kind of the request the item came in.
    public let kind: VerifyKind
    /// The id of the `verify` request.
    public let requestID: JSON
    private let cancelledCheck: @Sendable () -> Bool

    init(kind: VerifyKind, requestID: JSON, isCancelled: @escaping @Sendable () -> Bool) {
        self.kind = kind
        self.requestID = requestID
        self.cancelledCheck = isCancelled
    }

    /// True once the host sent `$/cancel` for this request: finish quickly (remaining items may
    /// be answered with `status: timeout`).
    public var isCancelled: Bool { cancelledCheck() }
}
