import ArgumentParser

/// The exit codes of `steptree search`, `inspect` and `merge` (listed in their `--help`).
enum ExitCodes {
    /// A run failure: generator or verifier unusable, an I/O error.
    static let failure = ExitCode(1)
    /// Bad option values or specs, or an unavailable backend.
    static let usage = ExitCode(2)
    /// Bad input data: a problem-file line, a tree file of another run (`--resume`, `merge`).
    static let input = ExitCode(3)

    static let help = """
        Exit codes: 0 ok; 1 failure (generator, verifier or I/O); 2 usage (bad option values, \
        unavailable backend); 3 bad input (problem-file line, tree file of another run); 64 when \
        the arguments cannot be parsed at all.
        """
}
