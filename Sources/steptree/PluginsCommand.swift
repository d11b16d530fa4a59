import ArgumentParser
import Foundation
import StepTreePluginHost

/// `steptree plugins list|check`: find verifier plugins and test them against Plugins/PROTOCOL.md.
struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "Verifier plugins: list the ones found, check one against the protocol.",
        subcommands: [List.self, Check.self])

    /// `steptree plugins list`
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List verifier-* executables (next to steptree, in Plugins/*/, on PATH) with their handshake.")

        @Option(name: .customLong("plugin-path"), help: "Extra folder to search first (repeatable).")
        var pluginPaths: [String] = []

        func run() async throws {
            let found = PluginLocator(searchPaths: pluginPaths).all()
            if found.isEmpty { print("no verifier-* executables found") }
            var options = PluginHostOptions()
            options.log = { _ in }
            options.handshakeTimeout = 5
            options.shutdownGrace = 1
            for (name, path) in found {
                do {
                    let plugin = try await PluginEvaluator.launch(executable: path, options: options)
                    let caps = plugin.pluginCapabilities
                    let kinds = caps.kinds.map(\.rawValue).joined(separator: ",")
                    print("\(name)\t\(plugin.capabilities.version)\tkinds=\(kinds) maxBatch=\(caps.maxBatch) "
                        + "concurrent=\(caps.maxConcurrentRequests) needsReference=\(caps.needsReference)\t\(path)")
                    await plugin.shutdown()
                } catch {
                    print("\(name)\t-\terror: \(error)\t\(path)")
                }
            }
        }
    }

    /// `steptree plugins check EXE`
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay the golden transcripts and edge cases against a plugin and report conformance.",
            discussion: "Exit status 0 when every applicable check passes, 3 otherwise.")

        @Argument(help: "A plugin name (answer), a path (./my-verifier), or a spec with arguments (answer:--pattern=...).")
        var plugin: String

        @Option(help: "Folder of transcripts (default: Plugins/Transcripts/v1 of the working directory or the package).")
        var transcripts: String?

        @Option(help: "Seconds to wait for each expected message.")
        var timeout: Double = 5

        @Flag(help: "Rewrite the expectations of transcripts written for this plugin with its actual messages.")
        var record = false

        func run() async throws {
            let spec = try PluginLocator.parse(plugin)
            let executable = try PluginLocator().executable(for: spec.name)
            let folder = try transcripts ?? Self.defaultTranscripts()
            let results = await PluginConformance.check(executable: executable, arguments: spec.arguments,
                                                        transcripts: try Transcript.all(in: folder), timeout: timeout, record: record)
            for r in results {
                if let skipped = r.skipped {
                    print("SKIP  \(r.name) (\(skipped))")
                } else if let failure = r.failure {
                    print("FAIL  \(r.name): \(failure)")
                } else {
                    print("PASS  \(r.name)")
                }
            }
            let failed = results.filter { $0.failure != nil }.count
            let passed = results.filter(\.passed).count
            print("\(executable): \(passed) passed, \(failed) failed, \(results.count - passed - failed) skipped")
            if failed > 0 { throw ExitCode(3) }
        }

        /// `Plugins/Transcripts/v1` under the working directory, else in the package the steptree
        /// executable was built from.
        static func defaultTranscripts() throws -> String {
            let tail = "/Plugins/Transcripts/v1"
            let candidates = [FileManager.default.currentDirectoryPath + tail] + (PluginLocator.packageRoot.map { [$0 + tail] } ?? [])
            guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
                throw ValidationError("no Plugins/Transcripts/v1 in the working directory or the steptree package; pass --transcripts DIR")
            }
            return found
        }
    }
}
