import ArgumentParser
import Foundation
import StepTreeStore

/// `steptree merge OUT SHARD...`: joins the tree files of one run's shards.
struct MergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the tree files of one run's shards (--shard i/n) into one, ordered by problem position.",
        discussion: """
            Every input must come from the same run (same fingerprint). A problem present in several \
            inputs is written once (the first copy). Torn last lines are ignored.

            \(ExitCodes.help)
            """)

    @Option(help: "Merged tree file to write (must not exist).")
    var out: String

    @Argument(help: "Shard tree files.")
    var inputs: [String]

    func run() async throws {
        do {
            let (records, duplicates) = try TreeFileReader.merge(inputs)
            guard !FileManager.default.fileExists(atPath: out) else {
                stderr("error: \(out) exists; choose another --out")
                throw ExitCodes.usage
            }
            guard FileManager.default.createFile(atPath: out, contents: nil),
                  let handle = FileHandle(forWritingAtPath: out) else {
                stderr("error: cannot create \(out)")
                throw ExitCodes.failure
            }
            let encoder = JSONEncoder()
            for r in records {
                var line = try encoder.encode(r)
                line.append(UInt8(ascii: "\n"))
                handle.write(line)
            }
            try handle.synchronize()
            try handle.close()
            print("merged \(records.count) problem(s) from \(inputs.count) file(s) into \(out)" +
                  (duplicates > 0 ? " (\(duplicates) duplicate(s) dropped)" : ""))
        } catch let e as StoreError {
            stderr("error: \(e.message)")
            throw e.code == .io ? ExitCodes.failure : ExitCodes.input
        }
    }
}
