import Foundation
import StepTreePluginProtocol

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
        guard let session = try? ConformanceSession(executable, arguments) else { return ConformanceResult(name: name, failure: "cannot start") }
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
        let session: ConformanceSession
        do { session = try ConformanceSession(executable, arguments) } catch { return ("\(error)", []) }
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
