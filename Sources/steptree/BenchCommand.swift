import ArgumentParser

/// `steptree bench ...`: benchmarks that print figures (never tests). One file per benchmark.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks that print figures: runtime, engine, http, plugins.",
        subcommands: [
            BenchEngineCommand.self,
            BenchPluginsCommand.self,
            BenchRuntimeCommand.self,
            BenchHTTPCommand.self,
            BenchCodeCommand.self,
        ])
}
