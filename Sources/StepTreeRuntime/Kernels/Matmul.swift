import COpenBLAS
import Foundation

/// The one matrix-product seam of the runtime: `Y[n, out] = X[n, in] · W[out, in]ᵀ`.
///
/// `.blas` calls OpenBLAS `cblas_sgemm`; `.naive` is a plain Swift triple loop that tests use as
/// the oracle for the BLAS path and for everything built on it.
public enum Matmul: Sendable, Equatable {
    case blas
    case naive

    /// - Parameters: `x` is `n × inDim` row-major, `w` is `outDim × inDim` row-major (a GGUF
    ///   weight with `dims = [inDim, outDim]`), `y` receives `n × outDim`.
    /// - Complexity: O(n · inDim · outDim).
    public func callAsFunction(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                               n: Int, inDim: Int, outDim: Int) {
        switch self {
        case .blas:
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(outDim), Int32(inDim),
                        1, x, Int32(inDim), w, Int32(inDim), 0, y, Int32(outDim))
        case .naive:
            for r in 0..<n {
                let xr = x + r * inDim
                for o in 0..<outDim {
                    let wo = w + o * inDim
                    var sum: Float = 0
                    for i in 0..<inDim { sum += xr[i] * wo[i] }
                    y[r * outDim + o] = sum
                }
            }
        }
    }
}

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
