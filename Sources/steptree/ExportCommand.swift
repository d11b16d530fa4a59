import ArgumentParser
import Foundation
import StepTreeCore
import StepTreeExport

extension ValueKind: ExpressibleByArgument {}
extension ExportFormat: ExpressibleByArgument {}

/// `steptree export TREES... --to FORMAT --out FILE`: trainer files from stored trees.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Recompute values from tree files and write them in a trainer's format (JSON lines).",
        discussion: """
            Formats:
            \(ExportFormat.allCases.map { "  \($0.rawValue): \($0.summary)" }.joined(separator: "\n"))

            Values (--value, for trl-prm, trl-dpo, math-shepherd, token-advantages): mc (mean outcome of \
            the rollouts below a step; a step a verifier rejected ends its rollout with outcome 0), q (MCTS valueSum/visits), prm (the step score), min \
            (PURE min-form). omegaprm, verl and sft use outcomes and MC values only.

            Exit codes: 0 ok; 1 I/O failure; 2 bad option values; 3 bad input (another schema, or trees \
            without what the format needs, named in the message); 64 unparseable arguments.
            """)

    @Argument(help: "Tree files (schema steptree.tree/1).")
    var trees: [String]

    @Option(help: "Format: \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var to: ExportFormat

    @Option(help: "Output file (overwritten). verl needs a .json name.")
    var out: String

    @Option(help: "Value definition: \(ValueKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var value: ValueKind = .mc

    @Option(help: "Labels are value > threshold (default 0 for mc: Math-Shepherd hard labels; 0.5 otherwise).")
    var threshold: Double?

    @Option(help: "trl-dpo: least value difference between the two sibling steps (rStar-Math: 0.5).")
    var margin: Double = 0.5

    @Flag(name: .customLong("no-normalize"), help: "token-advantages: do not divide outcome advantages by the group's std.")
    var noNormalize = false

    @Option(name: .customLong("min-rollouts"), help: "omegaprm: only prefixes with at least this many rollouts below.")
    var minRollouts: Int = 1

    @Flag(help: "omegaprm: balance positive and negative hard labels by dropping samples of the larger class.")
    var balance = false

    @Option(help: "sft: traces per problem at most.")
    var top: Int = 1

    @Option(name: .customLong("data-source"), help: "verl data_source (default steptree/<preset>).")
    var dataSource: String?

    @Option(help: "verl ability.")
    var ability: String = "math"

    @Option(help: "verl extra_info.split.")
    var split: String = "train"

    func validate() throws {
        if margin <= 0 { throw ValidationError("--margin must be above 0, got \(margin)") }
        if minRollouts < 1 { throw ValidationError("--min-rollouts must be at least 1, got \(minRollouts)") }
        if top < 1 { throw ValidationError("--top must be at least 1, got \(top)") }
        if value != .mc && !to.takesValue {
            let takers = ExportFormat.allCases.filter(\.takesValue).map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--value applies to \(takers); \(to.rawValue) uses outcomes and MC values only")
        }
    }

    func run() async throws {
        var o = ExportOptions()
        o.value = value
        o.threshold = threshold
        o.margin = margin
        o.normalizeAdvantages = !noNormalize
        o.minRollouts = minRollouts
        o.balance = balance
        o.top = top
        o.dataSource = dataSource
        o.ability = ability
        o.split = split
        do {
            let s = try Exporter.export(inputs: trees, format: to, options: o, out: out)
            if s.tornTail { stderr("note: a torn last line was ignored") }
            if s.problemsWithoutRows > 0 {
                stderr("note: \(s.problemsWithoutRows) of \(s.problems) problem(s) gave no \(to.rawValue) rows " +
                       "(no finished path with the values it needs)")
            }
            print("wrote \(s.rows) \(to.rawValue) row(s) from \(s.problems) problem(s) to \(out)")
        } catch let e as ExportError {
            stderr("error: \(e.message)")
            switch e.code {
            case .io: throw ExitCodes.failure
            case .badOption: throw ExitCodes.usage
            default: throw ExitCodes.input
            }
        }
    }
}
