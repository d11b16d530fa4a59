#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plugin's command-line options, written `--name VALUE` or `--name=VALUE`. Options are read at
/// start-up, so a bad value ends the process with status 2 and a message naming the option, as a
/// failed start does (the host then quotes that line).
public struct PluginArguments: Sendable {
    /// The plugin's name, for messages.
    public let plugin: String
    public let arguments: [String]

    public init(plugin: String, arguments: [String] = Array(CommandLine.arguments.dropFirst())) {
        self.plugin = plugin
        self.arguments = arguments
    }

    /// The option's value, or nil when it is absent.
    public func value(_ name: String) -> String? {
        if let i = arguments.firstIndex(of: name), i + 1 < arguments.count { return arguments[i + 1] }
        return arguments.first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }

    /// Whether the flag `name` is given.
    public func flag(_ name: String) -> Bool { arguments.contains(name) }

    /// A whole number of at least `minimum`, or `fallback` when the option is absent.
    public func count(_ name: String, default fallback: Int, minimum: Int = 1) -> Int {
        guard let text = value(name) else { return fallback }
        guard let n = Int(text), n >= minimum else { fail("\(name) needs a whole number of at least \(minimum), got \"\(text)\"") }
        return n
    }

    /// A number greater than zero, or `fallback` when the option is absent.
    public func positive(_ name: String, default fallback: Double) -> Double {
        guard let text = value(name) else { return fallback }
        guard let d = Double(text), d > 0, d.isFinite else { fail("\(name) needs a number greater than 0, got \"\(text)\"") }
        return d
    }

    /// Logs `message` as the plugin's and exits with status 2.
    public func fail(_ message: String) -> Never {
        VerifierPlugin.log("\(plugin): \(message)")
        exit(2)
    }
}
