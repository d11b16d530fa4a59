import Foundation
import StepTreePluginProtocol

/// The outcome of one conformance check.
public struct ConformanceResult: Hashable, Sendable {
    /// Transcript or edge-case name.
    public var name: String
    /// nil: passed; otherwise why it failed or was skipped.
    public var failure: String?
    /// Set when the check did not apply to this plugin (then it neither passed nor failed).
    public var skipped: String?

    /// Whether the check applied and passed.
    public var passed: Bool { failure == nil && skipped == nil }
}

/// Replays the golden transcripts and a set of generated edge cases against any executable
/// (`steptree plugins check EXE`). Each transcript runs on a fresh process.
public enum PluginConformance {
    /// Runs every applicable check.
    /// - Parameters:
    ///   - transcripts: usually `Transcript.all(in: "Plugins/Transcripts/v1")`.
    ///   - timeout: seconds to wait for each expected message.
    ///   - record: rewrite the expectations of transcripts written for this plugin (not those for
    ///     "any") with the messages it actually sent: how golden transcripts are regenerated.
    public static func check(executable: String, arguments: [String] = [], transcripts: [Transcript],
                             timeout: Double = 5, record: Bool = false) async -> [ConformanceResult] {
        var options = PluginHostOptions()
        options.log = { _ in }
        options.handshakeTimeout = timeout
        options.shutdownGrace = 1
        let handshake: InitializeResult
        do {
            let connection = try await PluginConnection.start(name: (executable as NSString).lastPathComponent, executable: executable,
                                                              arguments: arguments, options: options)
            handshake = connection.handshake
            await connection.shutdown()
        } catch {
            return [ConformanceResult(name: "initialize", failure: "\(error)")]
        }
        var results: [ConformanceResult] = []
        for transcript in transcripts {
            if transcript.plugin != "any", transcript.plugin != handshake.server.name {
                results.append(ConformanceResult(name: transcript.name, skipped: "written for \(transcript.plugin)"))
            } else if let kind = transcript.requiresKind, !handshake.capabilities.kinds.contains(kind) {
                results.append(ConformanceResult(name: transcript.name, skipped: "needs kind \(kind.rawValue)"))
            } else {
                let (failure, recorded) = await replay(transcript, executable, arguments, timeout)
                results.append(ConformanceResult(name: transcript.name, failure: failure))
                if record, transcript.plugin != "any", failure == nil || failure!.hasPrefix("expected") {
                    try? rewrite(transcript, with: recorded)
                }
            }
        }
        results.append(await fullBatches(handshake, executable, arguments, timeout))
        return results
    }

    /// Sends `maxConcurrentRequests` (at most 4) `verify` requests of `maxBatch` (at most 256)
    /// items at once; every item must come back once with a valid status and score.
    private static func fullBatches(_ handshake: InitializeResult, _ executable: String, _ arguments: [String],
                                    _ timeout: Double) async -> ConformanceResult {
        let name = "edge-full-batches"
        let caps = handshake.capabilities
        guard let kind = caps.kinds.first else { return ConformanceResult(name: name, skipped: "offers no kinds") }
        let requests = min(caps.maxConcurrentRequests, 4), size = min(caps.maxBatch, 256)
        guard let session = try? Session(executable, arguments) else { return ConformanceResult(name: name, failure: "cannot start") }
        defer { session.stop() }
        session.send(Message.request(id: 0, method: PluginMethod.initialize,
                                     params: InitializeParams(client: PeerInfo(name: "steptree-check", version: "1")).json).line)
        for r in 1...requests {
            let items = (0..<size).map {
                VerifyItem(id: "r\(r)-\($0)", problemID: "p\($0)", prompt: "2+2=", reference: "4", steps: ["4\n"], finished: true)
            }
            session.send(Message.request(id: .number(Double(r)), method: PluginMethod.verify,
                                         params: VerifyParams(kind: kind, items: items).json).line)
        }
        var seen = Set<Int>()
        for _ in 0...requests {
            let json: JSON
            switch await session.next(timeout: timeout) {
            case .failed(let why): return ConformanceResult(name: name, failure: "\(why) (answered \(seen.count) of \(requests))")
            case .ok(let message): json = message
            }
            guard let id = json["id"]?.int, id != 0 else { continue }
            do {
                let result = try VerifyResult(json: json["result"] ?? .null)
                let ids = Set(result.results.map(\.id))
                guard result.results.count == size, ids.count == size, ids.allSatisfy({ $0.hasPrefix("r\(id)-") }) else {
                    return ConformanceResult(name: name, failure: "request \(id): \(result.results.count) results, expected \(size) with its item ids")
                }
                seen.insert(id)
            } catch {
                return ConformanceResult(name: name, failure: "request \(id): \(error)")
            }
        }
        return ConformanceResult(name: name, failure: seen.count == requests ? nil : "answered \(seen.count) of \(requests)")
    }

    private static func replay(_ transcript: Transcript, _ executable: String, _ arguments: [String],
                               _ timeout: Double) async -> (failure: String?, recorded: [[JSON]]) {
        let session: Session
        do { session = try Session(executable, arguments) } catch { return ("\(error)", []) }
        defer { session.stop() }
        var recorded: [[JSON]] = []
        var firstFailure: String?
        for step in transcript.steps {
            switch step {
            case .send(let bytes):
                session.send(bytes)
            case .close:
                session.close()
            case .expectExit:
                if !(await session.process.waitForExit(seconds: timeout)) {
                    return (firstFailure ?? "the plugin did not exit within \(timeout) s after stdin closed", recorded)
                }
            case .expect(let patterns):
                var open = patterns, group: [JSON] = []
                while !open.isEmpty {
                    switch await session.next(timeout: timeout) {
                    case .failed(let why):
                        return (firstFailure ?? why + " (waiting for \(open[0].text.prefix(100)))", recorded + [group])
                    case .ok(let message):
                        group.append(message)
                        if let i = open.firstIndex(where: { Transcript.mismatch($0, message) == nil }) {
                            open.remove(at: i)
                        } else {
                            firstFailure = firstFailure ?? "expected \(Transcript.mismatch(open[0], message)!)"
                            open.removeFirst()
                        }
                    }
                }
                recorded.append(group)
            }
        }
        return (firstFailure, recorded)
    }

    /// Replaces each group of expect lines with the recorded messages.
    private static func rewrite(_ transcript: Transcript, with recorded: [[JSON]]) throws {
        let lines = try String(contentsOfFile: transcript.path, encoding: .utf8).split(separator: "\n")
        var out: [String] = [], group = 0, inGroup = false
        for line in lines {
            let isExpect = (try? JSON.parse(String(line)))?["expect"] != nil
            if isExpect {
                if !inGroup, group < recorded.count {
                    out += recorded[group].map { JSON.object(["expect": $0]).text }
                    group += 1
                }
                inGroup = true
            } else {
                inGroup = false
                out.append(String(line))
            }
        }
        try (out.joined(separator: "\n") + "\n").write(toFile: transcript.path, atomically: true, encoding: .utf8)
    }
}

/// A raw session with a plugin process: bytes in, parsed messages out, with timeouts.
private final class Session: @unchecked Sendable {
    enum Received {
        case ok(JSON)
        case failed(String)
    }

    private let lock = NSLock()
    private var queue: [Received] = []
    private var ended = false
    private(set) var process: PluginProcess!

    init(_ executable: String, _ arguments: [String]) throws {
        var options = PluginHostOptions()
        options.log = { _ in }
        options.maxLineBytes = 16 << 20
        process = try PluginProcess(
            name: (executable as NSString).lastPathComponent, executable: executable, arguments: arguments, options: options,
            onLine: { [weak self] line in
                let item: Received
                switch line {
                case .tooLong(let size): item = .failed("stdout line of \(size)+ bytes")
                case .line(let bytes):
                    do {
                        let json = try JSON.parse(bytes)
                        _ = try Message(json: json)
                        item = .ok(json)
                    } catch {
                        item = .failed("stdout line is not a protocol message (\(error)): "
                            + String(decoding: bytes.prefix(80), as: UTF8.self).debugDescription)
                    }
                }
                self?.lock.withLock { self?.queue.append(item) }
            },
            onEnd: { [weak self] in self?.lock.withLock { self?.ended = true } })
    }

    func send(_ bytes: [UInt8]) { process.write(bytes) }
    func close() { process.closeStdin() }

    func next(timeout: Double) async -> Received {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let (item, isEnded): (Received?, Bool) = lock.withLock {
                queue.isEmpty ? (nil, ended) : (queue.removeFirst(), ended)
            }
            if let item { return item }
            if isEnded { return .failed("the plugin closed stdout (\(process.exitDescription)); last stderr: "
                                        + process.recentStderr.suffix(3).joined(separator: " | ")) }
            if Date() >= deadline { return .failed("no message within \(timeout) s") }
            try? await Task.sleep(nanoseconds: 1_000_000)
        }
    }

    func stop() {
        process.closeStdin()
        process.kill(SIGKILL)
    }
}
