import ArgumentParser

/// `steptree bench ...`: benchmarks that print figures (never tests). One file per benchmark.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks that print figures: runtime, engine, http, plugins, code, prm.",
        subcommands: [
            BenchEngineCommand.self,
            BenchPluginsCommand.self,
            BenchRuntimeCommand.self,
            BenchHTTPCommand.self,
            BenchCodeCommand.self,
            BenchPRMCommand.self,
        ])
}
