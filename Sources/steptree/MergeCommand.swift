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
            let (records, duplicates) = try mergeTreeFiles(inputs)
            guard !FileManager.default.fileExists(atPath: out) else {
                stderr("error: \(out) exists; choose another --out")
                throw ExitCodes.usage
            }
            FileManager.default.createFile(atPath: out, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
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

/// The records of several tree files of one run, deduplicated by problem id and ordered by
/// problem position.
/// - Throws: `StoreError.fingerprintMismatch` naming the first file of another run.
func mergeTreeFiles(_ paths: [String]) throws -> (records: [TreeRecord], duplicates: Int) {
    var seen = Set<String>()
    var records: [TreeRecord] = []
    var duplicates = 0
    var fingerprint: (digest: String, path: String)?
    for path in paths {
        for r in try TreeFileReader.read(path).records {
            if let fp = fingerprint, fp.digest != r.fingerprint {
                throw StoreError(.fingerprintMismatch, "\(path): problem '\(r.problem.id)' comes from another run " +
                                 "(fingerprint \(r.fingerprint), \(fp.path) has \(fp.digest))")
            }
            fingerprint = fingerprint ?? (r.fingerprint, path)
            if !seen.insert(r.problem.id).inserted { duplicates += 1; continue }
            records.append(r)
        }
    }
    records.sort { $0.problem.index < $1.problem.index }
    return (records, duplicates)
}
