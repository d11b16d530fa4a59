import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a Python program in a bubblewrap sandbox under kernel resource limits.
///
/// Layers (each covered by a test in `Tests/CodeVerifierTests`):
/// - **identity**: when the verifier runs as root, `setpriv` drops to an unprivileged uid
///   (`sandboxUID`, no groups, no capabilities, no-new-privs) before `bwrap` starts, so the
///   sandbox is an unprivileged user namespace: `RLIMIT_NPROC` binds (it never binds kernel uid 0)
///   and even an escape lands as an unprivileged user;
/// - **namespaces**: new user, PID, IPC, UTS, network and cgroup namespaces (`--unshare-all`), so
///   the program sees only its own processes and an isolated loopback; `--die-with-parent` and
///   `--new-session` (no terminal injection); when the PID namespace's init dies, the kernel kills
///   every process left in it, daemons included;
/// - **filesystem**: a read-only view of only what the interpreter needs (its executable, its
///   standard library, the C libraries and `prlimit`: no shell, no other tools), fresh `/proc` and `/dev` (read-only, so no unbounded `/dev/shm`), the root
///   remounted read-only, and a private
///   size-capped tmpfs `/work` as the only writable place; no `/etc`, `/root`, `/home`, host
///   `/tmp` or project tree; the environment is cleared;
/// - **limits** (`prlimit`, applied inside the namespace before `exec`): CPU time, address space,
///   file size, open files, processes, no core dumps; the verifier adds the wall clock and an
///   output cap, killing the sandbox's process group when either runs out.
///
/// Without bubblewrap (`isolation: .none`, only with `--unsafe-no-sandbox`) the program runs
/// under the same rlimits in a temporary host directory, which is no boundary at all.
public struct Sandbox: Sendable {
    /// How the program is isolated.
    public enum Isolation: String, Sendable {
        /// bubblewrap namespaces plus rlimits.
        case bubblewrap
        /// rlimits only: unsafe, for machines where namespaces cannot be created.
        case none
    }

    /// The Python interpreter, `PREFIX/bin/pythonX.Y` or a link to it, with its standard library in
    /// `PREFIX/lib/pythonX.Y` (both readable by `sandboxUID`).
    public var python: String
    /// Resource limits per run.
    public var limits: SandboxLimits
    /// The isolation used.
    public var isolation: Isolation
    /// The bubblewrap executable.
    public var bwrap: String
    /// The host uid the sandbox runs as when the verifier is root (default 65534, `nobody`).
    public var sandboxUID: UInt32

    /// Creates a sandbox description; nothing is started.
    public init(python: String = Sandbox.defaultPython, limits: SandboxLimits = SandboxLimits(),
                isolation: Isolation = .bubblewrap, bwrap: String = "/usr/bin/bwrap", sandboxUID: UInt32 = 65534) {
        self.python = python
        self.limits = limits
        self.isolation = isolation
        self.bwrap = bwrap
        self.sandboxUID = sandboxUID
    }

    /// The system interpreter, `/usr/bin/python3` (a pyenv interpreter under `/root` is not
    /// readable by the sandbox's unprivileged uid).
    public static let defaultPython = "/usr/bin/python3"
    static let prlimit = "/usr/bin/prlimit"
    static let setpriv = "/usr/bin/setpriv"
    static let workDir = "/work"

    /// Runs `python3 -I -B WORKDIR/SCRIPT WORKDIR` with `files` (name → contents) in a fresh work
    /// directory; the program may write its verdicts on descriptor 3.
    /// - Throws: `CodeVerifierError.system` when a process, pipe or file cannot be made.
    public func run(files: [String: [UInt8]], script: String) throws -> SandboxRun {
        switch isolation {
        case .bubblewrap: return try runIsolated(files: files, script: script)
        case .none: return try runUnsafe(files: files, script: script)
        }
    }

    private func runIsolated(files: [String: [UInt8]], script: String) throws -> SandboxRun {
        var descriptors: [Int32: Int32] = [:]
        defer { for fd in descriptors.values { close(fd) } }
        var fileArguments: [String] = []
        for (i, (name, data)) in files.sorted(by: { $0.key < $1.key }).enumerated() {
            let target = Int32(10 + i)
            descriptors[target] = try Self.unlinkedFile(data)
            fileArguments += ["--perms", "0644", "--file", "\(target)", "\(Self.workDir)/\(name)"]
        }
        var argv: [String] = []
        if geteuid() == 0 {
            argv += [Self.setpriv, "--reuid=\(sandboxUID)", "--regid=\(sandboxUID)", "--clear-groups",
                     "--inh-caps=-all", "--no-new-privs"]
        }
        let interpreter = Self.realPath(python)
        argv += [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--uid", "1000", "--gid", "1000",
                 "--hostname", "sandbox"]
        for path in [interpreter, Self.standardLibrary(of: interpreter), Self.prlimit] { argv += ["--ro-bind", path, path] }
        for path in Self.libraryDirectories { argv += ["--ro-bind-try", path, path] }
        argv += ["--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--proc", "/proc", "--dev", "/dev",
                 "--size", "\(limits.workDirBytes)", "--tmpfs", Self.workDir]
        argv += fileArguments
        argv += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", Self.workDir, "--clearenv",
                 "--setenv", "HOME", Self.workDir, "--setenv", "TMPDIR", Self.workDir, "--setenv", "PATH", "/usr/bin:/bin",
                 "--setenv", "LANG", "C.UTF-8", "--", Self.prlimit]
        argv += limits.prlimitOptions
        argv += ["--", interpreter, "-I", "-B", "\(Self.workDir)/\(script)", Self.workDir]
        let child = ChildProcess(arguments: argv, environment: ["PATH=/usr/bin:/bin"], descriptors: descriptors)
        return try child.run(wallSeconds: limits.wallSeconds, outputBytes: limits.outputBytes)
    }

    private func runUnsafe(files: [String: [UInt8]], script: String) throws -> SandboxRun {
        var template = Array((NSTemporaryDirectory() + "/steptree-code-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw CodeVerifierError(.system, "mkdtemp failed: errno \(errno)") }
        let dir = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, data) in files {
            guard FileManager.default.createFile(atPath: dir + "/" + name, contents: Data(data)) else {
                throw CodeVerifierError(.system, "cannot write \(dir)/\(name)")
            }
        }
        let argv = [Self.prlimit] + limits.prlimitOptions + ["--", python, "-I", "-B", dir + "/" + script, dir]
        let child = ChildProcess(arguments: argv, environment: ["PATH=/usr/bin:/bin", "HOME=" + dir, "TMPDIR=" + dir])
        return try child.run(wallSeconds: limits.wallSeconds, outputBytes: limits.outputBytes)
    }

    /// Where the C libraries live (the dynamic loader included); those present are bound.
    static let libraryDirectories = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64"]

    /// `path` with every symbolic link resolved.
    static func realPath(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }

    /// The standard library of an interpreter `PREFIX/bin/pythonX.Y`: `PREFIX/lib/pythonX.Y`.
    static func standardLibrary(of interpreter: String) -> String {
        let url = URL(fileURLWithPath: interpreter)
        return url.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("lib").appendingPathComponent(url.lastPathComponent).path
    }

    /// A readable descriptor of an already-unlinked temporary file holding `data`.
    private static func unlinkedFile(_ data: [UInt8]) throws -> Int32 {
        var template = Array((NSTemporaryDirectory() + "/steptree-code-XXXXXX").utf8CString)
        let fd = ChildProcess.spawnLock.withLock {
            let fd = mkstemp(&template)
            if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            return fd
        }
        guard fd >= 0 else { throw CodeVerifierError(.system, "cannot create a temporary file: errno \(errno)") }
        unlink(String(cString: template))
        var offset = 0
        while offset < data.count {
            let n = data.withUnsafeBytes { write(fd, $0.baseAddress! + offset, data.count - offset) }
            guard n > 0 else {
                close(fd)
                throw CodeVerifierError(.system, "cannot write a temporary file: errno \(errno)")
            }
            offset += n
        }
        lseek(fd, 0, SEEK_SET)
        return fd
    }

    /// Why bubblewrap cannot run a program here, or nil when it can: runs `python3 -c` in the
    /// full sandbox and expects its output.
    public func probe() -> String? {
        do {
            let source = Array("import os\nos.write(3, b'sandbox-ok')\n".utf8)
            let run = try self.run(files: ["probe.py": source], script: "probe.py")
            if run.channel == Array("sandbox-ok".utf8) { return nil }
            let reason = run.lastErrorLine.isEmpty ? "exit status \(run.exitStatus.map(String.init) ?? "killed")" : run.lastErrorLine
            return "\(bwrap) could not run \(python): \(reason)"
        } catch {
            return "\(error)"
        }
    }
}
