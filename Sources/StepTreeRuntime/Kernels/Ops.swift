import Foundation

/// The element-wise and row-wise blocks of the forward pass (everything except matrix products
/// and attention), written over raw pointers so release builds vectorise them.
enum Ops {
    /// `out[r] = x[r] / sqrt(mean(x[r]²) + eps) * weight` for each of `n` rows of length `dim`.
    static func rmsNorm(_ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                        n: Int, dim: Int, eps: Float) {
        for r in 0..<n {
            let xr = x + r * dim, o = out + r * dim
            var ss: Float = 0
            for i in 0..<dim { ss += xr[i] * xr[i] }
            let scale = 1 / (ss / Float(dim) + eps).squareRoot()
            for i in 0..<dim { o[i] = xr[i] * scale * weight[i] }
        }
    }

    /// Adds a bias row to each of `n` rows.
    static func addBias(_ y: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, n: Int, dim: Int) {
        for r in 0..<n { for i in 0..<dim { y[r * dim + i] += bias[i] } }
    }

    /// `x += y` over `count` values.
    static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { x[i] += y[i] }
    }

    /// SwiGLU: `gate[i] = silu(gate[i]) * up[i]`.
    static func swiGLU(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let g = gate[i]
            gate[i] = g / (1 + expf(-g)) * up[i]
        }
    }

    /// Rotates `heads` heads of `headDim` values in each of `n` rows by the angles in `cos`/`sin`
    /// (`n × rotDim/2` each): interleaved pairs `(x[2i], x[2i+1])` or NeoX halves `(x[i], x[i+rotDim/2])`.
    static func rope(_ x: UnsafeMutablePointer<Float>, n: Int, heads: Int, headDim: Int, rotDim: Int,
                     cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, style: RopeStyle) {
        let half = rotDim / 2
        for r in 0..<n {
            let c = cos + r * half, s = sin + r * half
            for h in 0..<heads {
                let v = x + (r * heads + h) * headDim
                for i in 0..<half {
                    let (a, b) = style == .interleaved ? (2 * i, 2 * i + 1) : (i, i + half)
                    let x0 = v[a], x1 = v[b]
                    v[a] = x0 * c[i] - x1 * s[i]
                    v[b] = x0 * s[i] + x1 * c[i]
                }
            }
        }
    }
}

/// Which coordinates RoPE pairs up: llama.cpp's "norm" (Llama in GGUF) or "neox" (Qwen2).
public enum RopeStyle: String, Sendable {
    case interleaved
    case neox
}
