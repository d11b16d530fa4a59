import Foundation

/// How the host runs a plugin: timeouts, retries, pool size, limits and where logs go.
public struct PluginHostOptions: Sendable {
    /// Seconds a `verify` request may take before the host sends `$/cancel`. Default 30.
    public var requestTimeout: Double = 30
    /// Seconds after `$/cancel` before the host kills the plugin and restarts it. Default 5.
    public var cancelGrace: Double = 5
    /// Seconds allowed for the `initialize` handshake. Default 10.
    public var handshakeTimeout: Double = 10
    /// Extra attempts for a batch whose plugin died or hung (each on a fresh process). Default 2.
    public var maxRetries: Int = 2
    /// Restarts allowed over the whole run; after that the plugin is given up and its items get
    /// `status: error`. Default 20.
    public var maxRestarts: Int = 20
    /// Processes started for the plugin. Default 1.
    public var poolSize: Int = 1
    /// Upper bound on items per request, below the plugin's own `maxBatch` (nil: the plugin's).
    public var maxBatch: Int?
    /// Longest accepted stdout line in bytes; a longer line is a protocol violation. Default 64 MiB.
    public var maxLineBytes: Int = 64 << 20
    /// Seconds for each step of the shutdown sequence (answer to `shutdown`, exit after stdin
    /// closes, exit after SIGTERM) before the next one. Default 2.
    public var shutdownGrace: Double = 2
    /// Most stderr lines per second per process passed to `log`; the rest are counted and reported
    /// as suppressed. Default 200.
    public var stderrLinesPerSecond: Int = 200
    /// Receives plugin stderr lines and host warnings, each prefixed with the plugin name.
    /// Default: the host's own stderr.
    public var log: @Sendable (String) -> Void = { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }

    /// The defaults listed on each property.
    public init() {}
}

/// Counters for the run summary.
public struct PluginStatistics: Hashable, Sendable, CustomStringConvertible {
    /// `verify` requests sent (retries included).
    public var requests = 0
    /// Items sent (retries included).
    public var items = 0
    /// Processes restarted after a crash, hang or protocol violation.
    public var restarts = 0
    /// Requests that ran past `requestTimeout` (each got a `$/cancel`).
    public var timeouts = 0
    /// Requests retried on a fresh process.
    public var retries = 0
    /// Stdout lines that broke the protocol.
    public var protocolViolations = 0
    /// Items answered by the host with `status: error` or `timeout` because the plugin failed.
    public var failedItems = 0

    /// One line for the run summary: "requests 12, items 700, restarts 0, ...".
    public var description: String {
        "requests \(requests), items \(items), restarts \(restarts), timeouts \(timeouts), retries \(retries), "
            + "protocol violations \(protocolViolations), failed items \(failedItems)"
    }

    /// All counters zero.
    public init() {}
}
