import COpenBLAS
import Foundation

/// OpenBLAS process-wide settings.
public enum BLASSettings {
    /// OpenBLAS picks its kernels in a library constructor, before any Swift code runs, and it
    /// misdetects some AVX-512 CPUs (sgemm ~1.6× slower than with `OPENBLAS_CORETYPE=SkylakeX`).
    /// So a `setenv` in-process is too late: when the variable is unset and the CPU has AVX-512,
    /// this sets it and re-executes the current program with the same arguments (it returns
    /// only when nothing needed doing or the re-exec failed). Commands that run the model call it
    /// first; library users set the variable in their environment instead.
    public static func relaunchWithSkylakeXIfBeneficial() {
        guard getenv("OPENBLAS_CORETYPE") == nil,
              let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              cpuinfo.contains(" avx512f") else { return }
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 1)
        let args = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", args)
    }

    /// OpenBLAS's thread count for subsequent calls.
    public static func setThreads(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
    }
}
