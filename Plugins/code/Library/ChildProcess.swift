import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Spawns one process in its own process group and captures its stdout, stderr and file
/// descriptor 3 under a wall-clock deadline and an output cap, killing the group when either runs
/// out. Every descriptor the verifier opens is close-on-exec, so concurrent spawns never leak
/// each other's pipes into a sandbox.
struct ChildProcess {
    /// The program and its arguments (`argv[0]` is an absolute path).
    var arguments: [String]
    /// The environment.
    var environment: [String]
    /// Open descriptors to hand to the child, by the number they get there.
    var descriptors: [Int32: Int32] = [:]

    /// Runs to completion or until `wallSeconds` or `outputBytes` run out.
    func run(wallSeconds: Double, outputBytes: Int) throws -> SandboxRun {
        let out = try Self.pipe(), err = try Self.pipe(), chan = try Self.pipe()
        defer { for fd in [out.0, err.0, chan.0] { close(fd) } }
        var writeEnds = [out.1, err.1, chan.1]
        defer { for fd in writeEnds { close(fd) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var mapping: [Int32: Int32] = [1: out.1, 2: err.1, 3: chan.1]
        for (target, source) in descriptors { mapping[target] = source }
        // Move every source above the targets first, so no dup2 overwrites a source still needed.
        var moved: [Int32] = []
        defer { for fd in moved { close(fd) } }
        for (target, source) in mapping.sorted(by: { $0.key < $1.key }) {
            let high = fcntl(source, F_DUPFD_CLOEXEC, 256)
            guard high >= 0 else { throw CodeVerifierError(.system, "dup of descriptor \(source) failed: errno \(errno)") }
            moved.append(high)
            posix_spawn_file_actions_adddup2(&actions, high, target)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGINT, SIGTERM, SIGCHLD, SIGXCPU, SIGXFSZ] { sigaddset(&defaults, s) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let started = Date()
        let rc = Self.spawnLock.withLock { posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp) }
        guard rc == 0 else { throw CodeVerifierError(.system, "cannot start \(arguments[0]): errno \(rc)") }
        for fd in writeEnds + moved { close(fd) } // the child holds its copies; ours would hide EOF
        writeEnds = []
        moved = []
        return capture(pid: pid, readers: [out.0, err.0, chan.0], started: started,
                       deadline: started.addingTimeInterval(wallSeconds), outputBytes: outputBytes)
    }

    private func capture(pid: pid_t, readers: [Int32], started: Date, deadline: Date, outputBytes: Int) -> SandboxRun {
        var buffers: [[UInt8]] = [[], [], []]
        var polls = readers.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        var status: Int32 = 0
        var exitedAt: Date?
        var killed = false, timedOut = false, outputExceeded = false
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let now = Date()
            if exitedAt == nil, !killed, now >= deadline {
                kill(-pid, SIGKILL)
                killed = true
                timedOut = true
            }
            if exitedAt == nil, waitpid(pid, &status, WNOHANG) == pid { exitedAt = now }
            let open = polls.contains { $0.fd >= 0 }
            // Done at exit once every pipe closed, or after a short drain for late writers.
            if let exited = exitedAt, !open || now.timeIntervalSince(exited) > 0.2 { break }
            if !open {
                usleep(500) // alive with every pipe closed: wait for the exit (or the deadline)
                continue
            }
            let wait = exitedAt == nil && !killed ? max(1, min(50, Int32(deadline.timeIntervalSince(now) * 1000) + 1)) : 20
            if poll(&polls, nfds_t(polls.count), wait) <= 0 { continue }
            for i in polls.indices where polls[i].fd >= 0 && polls[i].revents != 0 {
                let n = read(polls[i].fd, &chunk, chunk.count)
                if n <= 0 {
                    if n < 0, errno == EINTR || errno == EAGAIN { continue }
                    polls[i].fd = -1
                    continue
                }
                let room = i == 2 ? 1 << 20 : max(0, outputBytes - buffers[0].count - buffers[1].count)
                buffers[i].append(contentsOf: chunk[0..<min(n, room)])
                if i < 2, n > room, !killed {
                    kill(-pid, SIGKILL)
                    killed = true
                    outputExceeded = true
                }
            }
        }
        let exitStatus: Int32? = killed ? nil : ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f))
        return SandboxRun(exitStatus: exitStatus, timedOut: timedOut, outputExceeded: outputExceeded, stdout: buffers[0],
                          stderr: buffers[1], channel: buffers[2], seconds: Date().timeIntervalSince(started))
    }

    /// Held while a pipe or a file is made and marked close-on-exec, and while spawning: Glibc does not
    /// export `pipe2`, and this keeps a concurrent spawn from inheriting a half-made pipe.
    static let spawnLock = NSLock()

    /// A close-on-exec pipe (read end, write end).
    private static func pipe() throws -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        try spawnLock.withLock {
            guard Glibc.pipe(&fds) == 0 else { throw CodeVerifierError(.system, "pipe failed: errno \(errno)") }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        return (fds[0], fds[1])
    }
}
