import Foundation

/// Finds verifier executables: `verifier-<name>` in the search paths given, next to the running
/// program (SwiftPM puts every product of a build in one folder), in `Plugins/*/` under the working
/// directory and under the package the program was built from (script plugins such as
/// `Plugins/countdown/verifier-countdown`), then on `PATH`; or an explicit path.
public struct PluginLocator: Sendable {
    /// Folders searched first, in order.
    public var searchPaths: [String]

    /// A locator searching `searchPaths`, then the running program's folder, `Plugins/*/`, and `PATH`.
    public init(searchPaths: [String] = []) {
        self.searchPaths = searchPaths
    }

    /// A `--verifier` spec split into the plugin name (or path) and its arguments.
    public struct Spec: Hashable, Sendable {
        /// A name (`answer`) or a path (anything containing `/`).
        public var name: String
        /// Arguments passed to the executable.
        public var arguments: [String]
    }

    /// Parses `NAME[:ARGS]`: ARGS are split on spaces, with single or double quotes grouping.
    /// Example: `answer:--pattern='The answer is (\d+)'`.
    /// - Throws: `PluginHostError.badSpec` for an empty name or an unterminated quote.
    public static func parse(_ spec: String) throws -> Spec {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        guard !name.isEmpty else { throw PluginHostError(.badSpec, "verifier spec \"\(spec)\" has no name") }
        var arguments: [String] = []
        if parts.count == 2 {
            var current = "", quote: Character?, inWord = false
            for c in parts[1] {
                if let q = quote {
                    if c == q { quote = nil } else { current.append(c) }
                } else if c == "'" || c == "\"" {
                    quote = c
                    inWord = true
                } else if c == " " {
                    if inWord { arguments.append(current) }
                    current = ""
                    inWord = false
                } else {
                    current.append(c)
                    inWord = true
                }
            }
            guard quote == nil else { throw PluginHostError(.badSpec, "verifier spec \"\(spec)\" has an unterminated quote") }
            if inWord { arguments.append(current) }
        }
        return Spec(name: name, arguments: arguments)
    }

    /// The folders searched for `verifier-<name>`, in order (PATH last).
    public var folders: [String] {
        var result = searchPaths
        result.append(Self.programFolder)
        for root in [FileManager.default.currentDirectoryPath, Self.packageRoot].compactMap({ $0 }) {
            let plugins = root + "/Plugins"
            if let names = try? FileManager.default.contentsOfDirectory(atPath: plugins) {
                result += names.sorted().map { plugins + "/" + $0 }.filter { path in
                    var isDirectory: ObjCBool = false
                    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
                }
            }
        }
        result += (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        var seen = Set<String>()
        return result.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// The executable for a name or path.
    /// - Throws: `PluginHostError.notFound`, listing the folders searched.
    public func executable(for name: String) throws -> String {
        if name.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: name) else {
                throw PluginHostError(.notFound, "verifier \(name) is not an executable file")
            }
            return name
        }
        let file = "verifier-" + name
        for folder in folders where FileManager.default.isExecutableFile(atPath: folder + "/" + file) {
            return folder + "/" + file
        }
        throw PluginHostError(.notFound, "no executable \(file) in \(folders.joined(separator: ", "))")
    }

    /// Every `verifier-*` executable found, first occurrence of each name, as (name, path).
    public func all() -> [(name: String, path: String)] {
        var seen = Set<String>(), found: [(String, String)] = []
        for folder in folders {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            for file in names.sorted() where file.hasPrefix("verifier-") && !file.contains(".") {
                let path = folder + "/" + file
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                      FileManager.default.isExecutableFile(atPath: path) else { continue }
                let name = String(file.dropFirst("verifier-".count))
                if seen.insert(name).inserted { found.append((name, path)) }
            }
        }
        return found
    }

    /// The source package the running executable was built from: the nearest folder above it
    /// with `Plugins/PROTOCOL.md` (nil for an installed copy).
    public static var packageRoot: String? {
        var folder = URL(fileURLWithPath: programFolder)
        for _ in 0..<6 {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Plugins/PROTOCOL.md").path) { return folder.path }
            folder.deleteLastPathComponent()
        }
        return nil
    }

    /// The folder of the running executable (where SwiftPM also put the Swift plugins).
    static var programFolder: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (exe as NSString).deletingLastPathComponent
    }
}
