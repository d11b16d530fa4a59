import ArgumentParser

/// The `steptree` command line: one file per subcommand; this file only lists them.
@main
struct SteptreeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steptree",
        abstract: "Tree-search reasoning: sample steps from a language model, grow trees, verify, export values.",
        subcommands: [
            SearchCommand.self,
            InspectCommand.self,
            MergeCommand.self,
            ExportCommand.self,
            BenchCommand.self,
            PluginsCommand.self,
            GenerateCommand.self,
        ])
}
