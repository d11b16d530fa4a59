import StepTreePluginProtocol

/// The processes of one plugin: started once, handed out least-loaded first, restarted lazily
/// when one died, and given up after `maxRestarts` restarts in the run.
actor PluginPool {
    let name: String
    let executable: String
    let arguments: [String]
    let options: PluginHostOptions
    let onEvent: @Sendable (PluginConnection.Event) -> Void
    let onRestart: @Sendable () -> Void
    private var connections: [PluginConnection?]
    private var starting: [Task<PluginConnection, Error>?]
    private var load: [Int]
    private var restarts = 0
    private var gaveUp: PluginHostError?
    private var closed = false

    init(name: String, executable: String, arguments: [String], options: PluginHostOptions,
         onEvent: @escaping @Sendable (PluginConnection.Event) -> Void, onRestart: @escaping @Sendable () -> Void) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.options = options
        self.onEvent = onEvent
        self.onRestart = onRestart
        let size = max(1, options.poolSize)
        connections = Array(repeating: nil, count: size)
        starting = Array(repeating: nil, count: size)
        load = Array(repeating: 0, count: size)
    }

    /// Starts every process of the pool; returns the first handshake.
    func startAll() async throws -> InitializeResult {
        var first: InitializeResult?
        for i in connections.indices {
            let connection = try await connection(i)
            first = first ?? connection.handshake
        }
        return first!
    }

    /// The least-loaded live connection (restarted if it died), and its slot for `release`.
    /// - Throws: `PluginHostError` when a restart fails or the plugin was given up.
    func acquire() async throws -> (slot: Int, connection: PluginConnection) {
        let slot = load.indices.min { load[$0] < load[$1] }!
        load[slot] += 1
        do {
            return (slot, try await connection(slot))
        } catch {
            load[slot] -= 1
            throw error
        }
    }

    func release(_ slot: Int) {
        load[slot] -= 1
    }

    private func connection(_ slot: Int) async throws -> PluginConnection {
        if let live = connections[slot], live.isAlive { return live }
        if let pending = starting[slot] { return try await pending.value }
        if closed { throw PluginHostError(.shutDown, "\(name) was shut down") }
        if let gaveUp { throw gaveUp }
        if connections[slot] != nil {
            guard restarts < options.maxRestarts else {
                gaveUp = PluginHostError(.gaveUp, "\(name) was restarted \(options.maxRestarts) times; giving up on it for this run")
                options.log("[\(name)] \(gaveUp!.message)")
                throw gaveUp!
            }
            restarts += 1
            onRestart()
            options.log("[\(name)] restarting (restart \(restarts))")
        }
        let (name, executable, arguments, options, onEvent) = (name, executable, arguments, options, onEvent)
        let task = Task {
            try await PluginConnection.start(name: name, executable: executable, arguments: arguments, options: options,
                                             onEvent: onEvent)
        }
        starting[slot] = task
        defer { starting[slot] = nil }
        let connection = try await task.value // a failed restart leaves the dead one: the next try counts again
        connections[slot] = connection
        return connection
    }

    /// Process ids of the live processes.
    func processIDs() -> [Int32] {
        connections.compactMap { $0?.isAlive == true ? $0!.pid : nil }
    }

    /// Shuts every process down (see `PluginConnection.shutdown`).
    func shutdown() async {
        closed = true
        await withTaskGroup(of: Void.self) { group in
            for case let connection? in connections { group.addTask { await connection.shutdown() } }
        }
    }
}
