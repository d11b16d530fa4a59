import ArgumentParser
import StepTreeRuntime

/// `steptree inspect MODEL.gguf`: architecture, sizes, tokenizer and tensor table of a model.
/// (The lead merges this with the tree-file inspect into one `inspect` that checks the magic.)
struct InspectModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect-model",
        abstract: "Describe a GGUF model: architecture, sizes, tokenizer, metadata, tensors.")

    @Argument(help: "A GGUF model file.")
    var model: String

    func run() throws {
        print(try ModelInspector.describe(path: model))
    }
}
