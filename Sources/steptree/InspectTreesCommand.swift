import ArgumentParser
import Foundation
import StepTreeCore
import StepTreeStore

/// `steptree inspect TREES`: prints the trees of a tree file readably.
struct InspectTreesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print the trees of a tree file (steptree.tree/1) readably.",
        discussion: """
            Each problem: a header (id, solved, answer, nodes, cost), then its tree, one step per line \
            with the merged count (×n), prior, step score, outcome, visits and Q. Marks: ★ chosen \
            answer, ■ finished, ✗ pruned, ! failed, ~ rollout.

            \(ExitCodes.help)
            """)

    @Argument(help: "Tree file.")
    var trees: String

    @Option(help: "Only the problem with this id.")
    var problem: String?

    @Option(help: "Deepest step shown.")
    var depth: Int = 64

    @Flag(help: "Headers only, no trees.")
    var summary = false

    func run() async throws {
        do {
            print(try inspectTrees(path: trees, problem: problem, maxDepth: depth, headersOnly: summary), terminator: "")
        } catch let e as StoreError {
            stderr("error: \(e.message)")
            throw e.code == .io ? ExitCodes.failure : ExitCodes.input
        }
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
