import StepTreeCore

/// A whole `steptree search` run: the problems of one shard, minus those already in the tree
/// file (resume), searched by a driver, each result appended to the tree file as it finishes.
public struct SearchJob {
    public var file: ProblemFile
    /// `(i, n)`: this run takes the problems whose file position p has p mod n == i.
    public var shard: (index: Int, count: Int)?
    public var outPath: String
    public var resume: Bool
    public var fingerprint: RunFingerprint

    public init(file: ProblemFile, shard: (index: Int, count: Int)? = nil, outPath: String, resume: Bool,
                fingerprint: RunFingerprint) {
        self.file = file
        self.shard = shard
        self.outPath = outPath
        self.resume = resume
        self.fingerprint = fingerprint
    }

    /// What a run did.
    public struct Report: Sendable {
        public var summary: RunSummary
        /// Problems of this shard found already written (resume).
        public var alreadyDone: Int
        /// A torn last line was cut off (resume).
        public var droppedTornLine: Bool
    }

    /// Opens the tree file, searches the remaining problems and appends each result.
    /// - Throws: `StoreError` for the tree file; whatever the driver throws.
    public func run(_ driver: SearchDriver, onProgress: ((RunProgress) -> Void)? = nil) async throws -> Report {
        let writer = try TreeFileWriter(path: outPath, fingerprint: fingerprint, resume: resume)
        var positions: [Int] = []
        var todo: [Problem] = []
        var alreadyDone = 0
        for (p, problem) in file.problems.enumerated() {
            if let shard, p % shard.count != shard.index { continue }
            if writer.completedIDs.contains(problem.id) { alreadyDone += 1; continue }
            positions.append(p)
            todo.append(problem)
        }
        let marker = driver.configuration.answerMarker
        let summary = try await driver.run(todo, onResult: { result in
            try writer.append(TreeRecord(result: result, fileIndex: positions[result.index], fingerprint: fingerprint,
                                         marker: marker))
        }, onProgress: onProgress)
        return Report(summary: summary, alreadyDone: alreadyDone, droppedTornLine: writer.droppedTornLine)
    }
}
