import Foundation

/// A human-readable summary of a GGUF model for `steptree inspect MODEL.gguf`: architecture,
/// sizes, tokenizer, metadata and the tensor table. Reads the header only; no weights are loaded.
public enum ModelInspector {
    /// The summary text; throws `RuntimeError` for files the runtime cannot read.
    public static func describe(path: String) throws -> String {
        let file = try GGUFFile(path: path)
        var out: [String] = []
        let arch = file[GGUFKey.architecture.rawValue]?.stringValue ?? "(none)"
        out.append("\(path): GGUF v\(file.version), \(formatBytes(file.fileSize)), \(file.tensors.count) tensors")
        out.append("architecture: \(arch)\(file[GGUFKey.name.rawValue]?.stringValue.map { " (\($0))" } ?? "")")
        do {
            let c = try ArchitectureRegistry.config(of: file, architecture: arch)
            let parameters = file.tensors.reduce(0) { $0 + $1.elementCount }
            out.append("""
                model: dim \(c.dim), layers \(c.layers), heads \(c.heads) (kv \(c.kvHeads), head size \(c.headDim)), \
                ffn \(c.ffn), vocab \(c.vocab), context \(c.context), \(formatCount(parameters)) parameters
                rope: base \(c.ropeBase), \(c.ropeStyle.rawValue), \(c.ropeDims) dims, linear scale \(c.ropeLinearScale); \
                rms eps \(c.rmsEps); output \(file.tensor(TensorName.output.name()) == nil ? "tied to token_embd" : "separate")
                """)
        } catch {
            out.append("model: not runnable here: \(error)")
        }
        do {
            let t = try Tokenizer(file: file)
            let pre = file[GGUFKey.tokenizerPre.rawValue]?.stringValue ?? "-"
            func name(_ id: Int32?) -> String { id.map { "\($0) \(t.piece($0).debugDescription)" } ?? "-" }
            out.append("tokenizer: \(t.model.rawValue) (pre \(pre)), \(t.count) tokens, \(t.merges.count) merges, "
                       + "bos \(name(t.bos)), eos \(name(t.eos)), add_bos \(t.addBOS)")
        } catch {
            out.append("tokenizer: not usable here: \(error)")
        }
        out.append("")
        out.append("metadata:")
        for (key, value) in file.metadata { out.append("  \(key) = \(value.summary)") }
        out.append("")
        out.append("tensors:")
        let width = file.tensors.map(\.name.count).max() ?? 0
        for t in file.tensors {
            let name = t.name.padding(toLength: width, withPad: " ", startingAt: 0)
            out.append("  \(name)  \(t.type.name.padding(toLength: 5, withPad: " ", startingAt: 0))  \(t.dims)  \(formatBytes(t.byteCount))")
        }
        return out.joined(separator: "\n")
    }

    static func formatBytes(_ n: Int) -> String {
        n >= 1 << 30 ? String(format: "%.2f GiB", Double(n) / Double(1 << 30))
            : n >= 1 << 20 ? String(format: "%.1f MiB", Double(n) / Double(1 << 20))
            : n >= 1 << 10 ? String(format: "%.1f KiB", Double(n) / 1024) : "\(n) B"
    }

    static func formatCount(_ n: Int) -> String {
        n >= 1_000_000 ? String(format: "%.1fM", Double(n) / 1e6) : n >= 1000 ? String(format: "%.1fK", Double(n) / 1e3) : "\(n)"
    }
}
