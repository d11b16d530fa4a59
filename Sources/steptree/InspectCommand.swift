import ArgumentParser
import Foundation
import StepTreeCore
import StepTreeRuntime
import StepTreeStore

/// `steptree inspect FILE`: a GGUF model (architecture, sizes, tokenizer, tensors) or the trees of
/// a tree file, told apart by the GGUF magic.
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a GGUF model, or print the trees of a tree file (steptree.tree/1) readably.",
        discussion: """
            A GGUF model: architecture, sizes, tokenizer, metadata and the tensor table.

            A tree file: each problem: a header (id, solved, answer, nodes, cost), then its tree, one step per line \
            with the merged count (×n), prior, step score, outcome, visits and Q. Marks: ★ chosen \
            answer, ■ finished, ✗ pruned, ! failed, ~ rollout.

            \(ExitCodes.help)
            """)

    @Argument(help: "A GGUF model or a tree file.")
    var file: String

    @Option(help: "Only the problem with this id.")
    var problem: String?

    @Option(help: "Deepest step shown.")
    var depth: Int = 64

    @Flag(help: "Headers only, no trees.")
    var summary = false

    func run() async throws {
        if Self.isGGUF(file) {
            do { print(try ModelInspector.describe(path: file)) } catch {
                stderr("error: \(error)")
                throw ExitCodes.input
            }
            return
        }
        do {
            print(try inspectTrees(path: file, problem: problem, maxDepth: depth, headersOnly: summary), terminator: "")
        } catch let e as StoreError {
            stderr("error: \(e.message)")
            throw e.code == .io ? ExitCodes.failure : ExitCodes.input
        }
    }
}

extension InspectCommand {
    /// Whether the file starts with the GGUF magic.
    static func isGGUF(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        return (try? h.read(upToCount: 4)) == Data("GGUF".utf8)
    }
}

/// The readable rendering of a tree file (callable by a combined `inspect` command).
/// - Throws: `StoreError` when the file cannot be read or a line is malformed.
func inspectTrees(path: String, problem: String? = nil, maxDepth: Int = 64, headersOnly: Bool = false) throws -> String {
    let contents = try TreeFileReader.read(path)
    var out = ""
    for rec in contents.records where problem == nil || rec.problem.id == problem {
        out += rec.rendered(maxDepth: maxDepth, headersOnly: headersOnly)
    }
    if contents.tornTail { out += "(the last line of \(path) is torn and was ignored)\n" }
    if let problem, !contents.records.contains(where: { $0.problem.id == problem }) {
        throw StoreError(.missingField, "\(path): no problem with id '\(problem)'")
    }
    return out
}
