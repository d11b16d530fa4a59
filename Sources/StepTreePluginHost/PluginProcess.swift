import Foundation
import StepTreePluginProtocol
#if canImport(Glibc)
import Glibc
#endif

/// One running plugin executable with piped stdin, stdout and stderr.
///
/// Spawned with `posix_spawn` in its own process group (so a kill reaches its children too).
/// Three threads per process: stdout lines go to `onLine`, stderr lines to the log (rate-limited,
/// the last lines kept for error messages), and a waiter reaps the exit status. Writes go through
/// a serial queue so a plugin that stops reading never blocks the caller.
final class PluginProcess: @unchecked Sendable {
    let name: String
    let pid: pid_t
    private let stdinFD: Int32
    private let lock = NSLock()
    private var stderrTail: [String] = []
    private var exitStatus: Int32?
    private var stderrEnded = false
    private var stdinClosed = false
    private let writer: DispatchQueue
    private static let spawnLock = NSLock()

    /// Starts `executable` with `arguments`.
    /// - Parameters:
    ///   - onLine: called on the stdout thread for each line (or oversize line).
    ///   - onEnd: called once when stdout reaches end of file (the plugin exited or closed it).
    /// - Throws: `PluginHostError.spawnFailed`.
    init(name: String, executable: String, arguments: [String], options: PluginHostOptions,
         onLine: @escaping (LineReader.Line) -> Void, onEnd: @escaping () -> Void) throws {
        self.name = name
        signal(SIGPIPE, SIG_IGN) // a dead plugin must give EPIPE, not kill the host
        // Pipes are created close-on-exec under one lock with the spawn, so a plugin started at the
        // same time by another thread never inherits this one's pipe ends.
        PluginProcess.spawnLock.lock()
        defer { PluginProcess.spawnLock.unlock() }
        var fds: [Int32] = [0, 0, 0, 0, 0, 0]
        for i in 0..<3 {
            guard fds.withUnsafeMutableBufferPointer({ pipe($0.baseAddress! + 2 * i) }) == 0 else {
                for fd in fds where fd > 0 { close(fd) }
                throw PluginHostError(.spawnFailed, "\(name): cannot create pipes: \(String(cString: strerror(errno)))")
            }
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // fds: [stdin read, stdin write, stdout read, stdout write, stderr read, stderr write]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fds[3], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[5], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGPIPE)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var spawned: pid_t = 0
        let rc = posix_spawn(&spawned, executable, &actions, &attributes, argv, environ)
        close(fds[0]); close(fds[3]); close(fds[5])
        guard rc == 0 else {
            close(fds[1]); close(fds[2]); close(fds[4])
            throw PluginHostError(.spawnFailed, "\(name): cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        let child = spawned
        pid = child
        stdinFD = fds[1]
        writer = DispatchQueue(label: "\(name).stdin")
        let stdoutFD = fds[2], stderrFD = fds[4], maxLine = options.maxLineBytes
        Thread.detachNewThread {
            var reader = LineReader(fd: stdoutFD, maxLineBytes: maxLine)
            while let line = reader.next() { onLine(line) }
            close(stdoutFD)
            onEnd()
        }
        let log = options.log, perSecond = options.stderrLinesPerSecond
        Thread.detachNewThread { [self] in
            var reader = LineReader(fd: stderrFD, maxLineBytes: 64 << 10)
            var windowStart = Date(), inWindow = 0, suppressed = 0
            while let line = reader.next() {
                let text: String
                switch line {
                case .line(let bytes): text = String(decoding: bytes, as: UTF8.self)
                case .tooLong(let size): text = "<stderr line of \(size)+ bytes cut>"
                }
                lock.withLock {
                    stderrTail.append(text)
                    if stderrTail.count > 20 { stderrTail.removeFirst() }
                }
                if Date().timeIntervalSince(windowStart) >= 1 {
                    if suppressed > 0 { log("[\(name) \(child)] (\(suppressed) stderr lines suppressed)") }
                    windowStart = Date(); inWindow = 0; suppressed = 0
                }
                inWindow += 1
                if inWindow <= perSecond { log("[\(name) \(child)] \(text)") } else { suppressed += 1 }
            }
            if suppressed > 0 { log("[\(name) \(child)] (\(suppressed) stderr lines suppressed)") }
            close(stderrFD)
            lock.withLock { stderrEnded = true }
        }
        Thread.detachNewThread { [self] in
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0, errno == EINTR {}
            lock.withLock { exitStatus = status }
        }
    }

    /// Queues bytes for the plugin's stdin (dropped silently once stdin is closed or broken;
    /// the stdout side notices the death).
    func write(_ bytes: [UInt8]) {
        writer.async { [self] in
            guard !lock.withLock({ stdinClosed }) else { return }
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(stdinFD, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        return
                    }
                    offset += n
                }
            }
        }
    }

    /// Closes stdin after the queued writes.
    func closeStdin() {
        writer.async { [self] in
            let wasOpen = lock.withLock { () -> Bool in
                defer { stdinClosed = true }
                return !stdinClosed
            }
            if wasOpen { close(stdinFD) }
        }
    }

    /// Sends `signal` to the plugin's process group.
    func kill(_ signal: Int32) {
        if !hasExited { Glibc.kill(-pid, signal) }
    }

    var hasExited: Bool { lock.withLock { exitStatus != nil } }

    /// How the process ended ("exit status 3", "signal 9"), or "running".
    var exitDescription: String {
        guard let status = lock.withLock({ exitStatus }) else { return "running" }
        if status & 0x7f == 0 { return "exit status \((status >> 8) & 0xff)" }
        return "signal \(status & 0x7f)"
    }

    /// The last stderr lines (at most 20), for error messages.
    var recentStderr: [String] { lock.withLock { stderrTail } }

    /// Waits up to `seconds` for the process to exit; returns whether it did.
    func waitForExit(seconds: Double) async -> Bool {
        await poll(seconds: seconds) { hasExited }
    }

    /// Waits (at most 1.5 s) for a dying plugin's exit and for its stderr to reach end of file, so
    /// `exitDescription` and `recentStderr` hold its last words: the exit can be reaped before the
    /// stderr thread has read them. A grandchild holding stderr open only costs the wait.
    func waitForLastWords() async {
        _ = await waitForExit(seconds: 1)
        _ = await poll(seconds: 0.5) { lock.withLock { stderrEnded } }
    }

    private func poll(seconds: Double, until done: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !done() {
            if Date() >= deadline { return false }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        return true
    }
}
