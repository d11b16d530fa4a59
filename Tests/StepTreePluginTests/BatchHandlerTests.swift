import Foundation
import StepTreePluginKit
import Testing

/// `VerifierPlugin`'s batch handler form, served in-process on pipes.
@Suite struct BatchHandlerTests {
    static func items(_ count: Int, problem: String = "p") -> [VerifyItem] {
        (0..<count).map { VerifyItem(id: "i\($0)", problemID: problem, prompt: "q\n", steps: ["s\($0)\n"], finished: false) }
    }

    static let capabilities = PluginCapabilities(kinds: [.step], maxBatch: 64, maxConcurrentRequests: 2)

    @Test func oneCallPerRequestWithItsItemsInOrder() throws {
        let calls = LogSink()
        let plugin = VerifierPlugin(name: "verifier-batch", version: "1", capabilities: Self.capabilities) { items, _ in
            calls.append(items.map(\.id).joined(separator: ","))
            // Wrong ids are replaced by the items'; scores outside [0, 1] are clamped.
            return items.enumerated().map { i, _ in
                ItemResult(id: "wrong", status: .ok, score: i == 4 ? 1.7 : Double(i) / 10, stepScores: [Double(i) / 10])
            }
        }
        let host = InProcessPlugin(plugin)
        #expect(try host.initialize()["result"]?["serverInfo"]?["name"]?.string == "verifier-batch")
        host.verify(id: 1, Self.items(5))
        let results = try host.results()
        #expect(results.map(\.id) == ["i0", "i1", "i2", "i3", "i4"])
        #expect(results.map(\.score) == [0, 0.1, 0.2, 0.3, 1])
        #expect(results[2].stepScores == [0.2])
        host.verify(id: 2, Self.items(2))
        #expect(try host.results().count == 2)
        #expect(host.close() == 0)
        #expect(calls.all == ["i0,i1,i2,i3,i4", "i0,i1"])
    }

    struct Broken: Error, CustomStringConvertible { var description: String { "model file vanished" } }

    @Test func aThrowingOrMiscountingHandlerFailsEveryItemAsError() throws {
        let plugin = VerifierPlugin(name: "verifier-batch", version: "1", capabilities: Self.capabilities) { items, _ in
            if items.count == 2 { throw Broken() }
            return [ItemResult(id: items[0].id, status: .ok, score: 1)]
        }
        let host = InProcessPlugin(plugin)
        _ = try host.initialize()
        host.verify(id: 1, Self.items(2))
        let thrown = try host.results()
        #expect(thrown.map(\.status) == [.error, .error])
        #expect(thrown.allSatisfy { $0.detail == "model file vanished" && $0.score == 0 })
        host.verify(id: 2, Self.items(3))
        let short = try host.results()
        #expect(short.map(\.id) == ["i0", "i1", "i2"])
        #expect(short.map(\.status) == [.error, .error, .error])
        #expect(short[0].detail == "verifier-batch answered 1 results for 3 items")
        host.verify(id: 3, Self.items(1))
        #expect(try host.results().map(\.status) == [.ok])
        #expect(host.close() == 0)
    }

    @Test func cancelReachesARunningBatch() throws {
        let plugin = VerifierPlugin(name: "verifier-batch", version: "1", capabilities: Self.capabilities) { items, context in
            let deadline = Date().addingTimeInterval(10)
            while !context.isCancelled && Date() < deadline { usleep(1000) }
            return items.map { ItemResult(id: $0.id, status: context.isCancelled ? .timeout : .ok, score: 1, detail: "cancelled") }
        }
        let host = InProcessPlugin(plugin)
        _ = try host.initialize()
        host.verify(id: 7, Self.items(3))
        host.send(#"{"jsonrpc":"2.0","method":"$/cancel","params":{"id":7}}"#)
        let response = try host.receive()
        #expect(response["id"]?.int == 7)
        let results = try (response["result"]?["results"]?.array ?? []).enumerated().map { try ItemResult(json: $0.element, index: $0.offset) }
        #expect(results.map(\.status) == [.timeout, .timeout, .timeout])
        #expect(host.close() == 0)
    }

    @Test func theOneItemFormStillJudgesItemsSeparately() throws {
        let plugin = VerifierPlugin(name: "verifier-single", version: "1", capabilities: Self.capabilities) { item, _ in
            if item.id == "i1" { throw Broken() }
            return ItemResult(id: item.id, status: .ok, score: 0.5)
        }
        let host = InProcessPlugin(plugin)
        _ = try host.initialize()
        host.verify(id: 1, Self.items(3))
        let results = try host.results()
        #expect(results.map(\.status) == [.ok, .error, .ok])
        #expect(results[1].detail == "model file vanished")
        #expect(results[2].score == 0.5)
        #expect(host.close() == 0)
    }
}
