import Foundation
import StepTreePluginProtocol

/// A golden exchange from `Plugins/Transcripts/v1/*.jsonl`, replayed by `steptree plugins check`.
///
/// The first line is a header `{"transcript": NAME, "description": ..., "plugin": "any" |
/// "verifier-echo", "requiresKind": "outcome" | "step"}`. Each following line is one step:
/// - `{"send": MESSAGE}` writes the message; `{"sendRaw": TEXT}` writes TEXT as a line as is;
///   `{"sendHex": HEX}` writes the bytes (for invalid UTF-8);
/// - `{"expect": PATTERN}` reads the next message, which must match PATTERN; consecutive expects
///   may be satisfied in any order (responses may come out of order);
/// - `{"close": true}` closes the plugin's stdin; `{"expectExit": true}` waits for it to exit;
/// - `{"comment": TEXT}` is ignored.
///
/// Matching: an expected object's members must all be present and match (extra members are
/// fine: unknown fields are ignored); arrays match element-wise with equal length; numbers match
/// within 1e-9; the strings `<any>`, `<string>`, `<number>`, `<score>` (a number in [0, 1]) and
/// `<status>` (ok, unparseable, timeout, error) match any value of that shape.
public struct Transcript: Sendable {
    /// One step of the exchange.
    public enum Step: Sendable {
        case send([UInt8])
        case expect([JSON])
        case close
        case expectExit
    }

    /// The transcript's name (from its header).
    public var name: String
    /// What it checks (from its header).
    public var description: String
    /// "any" for transcripts every plugin must pass, or the plugin name the transcript is for.
    public var plugin: String
    /// A kind the plugin must offer for the transcript to apply.
    public var requiresKind: VerifyKind?
    /// The exchange, in order.
    public var steps: [Step]
    /// Where it was read from.
    public var path: String

    /// Reads a transcript file.
    /// - Throws: `PluginProtocolError` naming the file and line.
    public init(path: String) throws {
        self.path = path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var header: JSON?
        var steps: [Step] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let at = "\(path):\(n + 1)"
            let json: JSON
            do { json = try JSON.parse(String(line)) } catch { throw PluginProtocolError(.parseError, "\(at): \(error)") }
            if header == nil {
                header = json
                continue
            }
            if let m = json["send"] {
                steps.append(.send(m.text.utf8 + [0x0A]))
            } else if let raw = json["sendRaw"]?.string {
                steps.append(.send(Array(raw.utf8) + [0x0A]))
            } else if let hex = json["sendHex"]?.string {
                var bytes: [UInt8] = []
                var i = hex.startIndex
                while i < hex.endIndex, let j = hex.index(i, offsetBy: 2, limitedBy: hex.endIndex), let b = UInt8(hex[i..<j], radix: 16) {
                    bytes.append(b)
                    i = j
                }
                steps.append(.send(bytes + [0x0A]))
            } else if let pattern = json["expect"] {
                if case .expect(let previous)? = steps.last {
                    steps[steps.count - 1] = .expect(previous + [pattern])
                } else {
                    steps.append(.expect([pattern]))
                }
            } else if json["close"] != nil {
                steps.append(.close)
            } else if json["expectExit"] != nil {
                steps.append(.expectExit)
            } else if json["comment"] == nil {
                throw PluginProtocolError(.invalidRequest, "\(at): unknown transcript step \(json.text.prefix(80))")
            }
        }
        guard let header, let name = header["transcript"]?.string else {
            throw PluginProtocolError(.invalidRequest, "\(path):1: the header needs a \"transcript\" name")
        }
        self.name = name
        self.description = header["description"]?.string ?? ""
        self.plugin = header["plugin"]?.string ?? "any"
        self.requiresKind = header["requiresKind"]?.string.flatMap(VerifyKind.init(rawValue:))
        self.steps = steps
    }

    /// Every `*.jsonl` transcript in a folder, sorted by file name.
    public static func all(in folder: String) throws -> [Transcript] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".jsonl") }.sorted()
        return try names.map { try Transcript(path: folder + "/" + $0) }
    }

    /// Whether `actual` matches `expected` (see the type's documentation); nil if so, else where not.
    public static func mismatch(_ expected: JSON, _ actual: JSON, at path: String = "$") -> String? {
        switch expected {
        case .string("<any>"): return nil
        case .string("<string>"): return actual.string != nil ? nil : "\(path): expected a string, got \(actual.text)"
        case .string("<number>"): return actual.number != nil ? nil : "\(path): expected a number, got \(actual.text)"
        case .string("<score>"):
            guard let d = actual.number, d >= 0, d <= 1 else { return "\(path): expected a score in [0, 1], got \(actual.text)" }
            return nil
        case .string("<status>"):
            guard let s = actual.string, ItemStatus(rawValue: s) != nil else { return "\(path): expected a status, got \(actual.text)" }
            return nil
        case .number(let e):
            guard let a = actual.number, abs(a - e) <= 1e-9 else { return "\(path): expected \(expected.text), got \(actual.text)" }
            return nil
        case .object(let members):
            guard case .object(let got) = actual else { return "\(path): expected an object, got \(actual.text.prefix(80))" }
            for key in members.keys.sorted() {
                guard let value = got[key] else { return "\(path).\(key): missing" }
                if let m = mismatch(members[key]!, value, at: "\(path).\(key)") { return m }
            }
            return nil
        case .array(let elements):
            guard case .array(let got) = actual, got.count == elements.count else {
                return "\(path): expected an array of \(elements.count), got \(actual.text.prefix(80))"
            }
            for (i, (e, a)) in zip(elements, got).enumerated() {
                if let m = mismatch(e, a, at: "\(path)[\(i)]") { return m }
            }
            return nil
        default:
            return expected == actual ? nil : "\(path): expected \(expected.text), got \(actual.text.prefix(80))"
        }
    }
}
