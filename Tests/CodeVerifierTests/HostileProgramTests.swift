import StepTreeCodeVerifier
import Foundation
import StepTreePluginProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The hostile-program battery: each program attacks the host or the verifier; each test fails if
/// the containment fails. Programs check their confinement from the inside (their asserts pass
/// only when the attack was stopped) and the tests check the host from the outside. Every test
/// ends by judging a correct program, so the sandbox still serves the next item.
@Suite("Hostile programs are contained", .serialized)
struct HostileProgramTests {
    typealias S = SandboxTestSupport

    /// The sandbox still judges a correct program after an attack.
    func stillServes() async throws {
        let r = try await S.judge("def f(x):\n    return x * 2\n", ["assert f(2) == 4", "assert f(0) == 0"])
        #expect(r.status == .ok && r.score == 1, "after the attack: \(r.detail ?? "")")
    }

    @Test func forkBombIsStoppedByTheProcessLimit() async throws {
        let code = """
        import os, time
        def bomb():
            n = 0
            try:
                while n < 10000:
                    if os.fork() == 0:
                        time.sleep(30)
                        os._exit(0)
                    n += 1
            except OSError as e:
                return n, e.errno
            return n, 0
        """
        let r = try await S.judge(code, ["n, err = bomb()\nassert err == 11 and n < 16, (n, err)"])
        #expect(r.status == .ok && r.score == 1, "\(r.detail ?? "")")
        try await stillServes()
    }

    @Test func endlessForkLoopEndsAsTimeout() async throws {
        let code = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
        let start = Date()
        let r = try await S.judge(code, ["assert True"])
        #expect(r.status == .timeout, "\(r.detail ?? "")")
        #expect(Date().timeIntervalSince(start) < S.limits.wallSeconds + 3)
        try await stillServes()
    }

    @Test func memoryBombHitsTheAddressSpaceLimit() async throws {
        let code = """
        def hog():
            blocks = []
            try:
                while True:
                    blocks.append(bytearray(16 << 20))
            except MemoryError:
                return len(blocks) * 16
        """
        let r = try await S.judge(code, ["assert hog() <= 256"])
        #expect(r.status == .ok && r.score == 1, "\(r.detail ?? "")")
        try await stillServes()
    }

    @Test func cpuSpinIsKilledAtTheCPULimit() async throws {
        let r = try await S.judge("while True:\n    pass\n", ["assert True"])
        #expect(r.status == .timeout, "\(r.detail ?? "")")
        try await stillServes()
    }

    @Test func sleepingForeverIsKilledAtTheWallLimit() async throws {
        let start = Date()
        let r = try await S.judge("import time\ntime.sleep(10**6)\n", ["assert True"])
        #expect(r.status == .timeout)
        #expect(r.detail?.contains("wall-time") == true, "\(r.detail ?? "")")
        #expect(Date().timeIntervalSince(start) < S.limits.wallSeconds + 2)
        try await stillServes()
    }

    @Test func writingTenGigabytesStopsAtTheFileSizeLimit() async throws {
        let code = """
        import errno
        def fill(name, total):
            written = 0
            chunk = b"0" * (1 << 20)
            try:
                with open(name, "wb") as f:
                    while written < total:
                        f.write(chunk)
                        written += len(chunk)
            except OSError as e:
                return written, e.errno
            return written, 0
        def many():
            for i in range(100):
                w, err = fill("part%d" % i, 4 << 20)
                if err:
                    return i, err
            return 100, 0
        """
        let r = try await S.judge(code, [
            "w, err = fill('big', 10 << 30)\nassert err == errno.EFBIG and w <= 8 << 20, (w, err)",
            "n, err = many()\nassert err == errno.ENOSPC and n < 5, (n, err)",
        ])
        #expect(r.status == .ok && r.score == 1, "\(r.detail ?? "")")
        try await stillServes()
    }

    @Test func millionsOfTinyFilesFillTheWorkDirectory() async throws {
        let code = """
        import os
        def spray():
            os.mkdir("d")
            for i in range(2_000_000):
                try:
                    with open("d/%d" % i, "w") as f:
                        f.write("x")
                except OSError as e:
                    return i, e.errno
            return 2_000_000, 0
        """
        let r = try await S.judge(code, ["n, err = spray()\nassert err == 28 and n < 5000, (n, err)"])
        #expect(r.status == .ok && r.score == 1, "\(r.detail ?? "")")
        try await stillServes()
    }

    @Test func openFilesAreCapped() async throws {
        let code = """
        def hoard():
            files = []
            try:
                while len(files) < 100000:
                    files.append(open("/dev/null"))
            except OSError as e:
                return len(files), e.errno
            return len(files), 0
        """
        let r = try await S.judge(code, ["n, err = hoard()\nassert err == 24 and n < \(S.limits.openFiles), (n, err)"])
        #expect(r.status == .ok && r.score == 1, "\(r.detail ?? "")")
        try await stillServes()
    }

    @Test func endlessPrintingIsCutAtTheOutputCap() async throws {
        let r = try await S.judge("while True:\n    print('x' * 1000)\n", ["assert True"])
        #expect(r.status == .ok && r.score == 0)
        // Cut by the output cap, not the wall clock: a wall kill would be `.timeout`.
        #expect(r.detail?.contains("exceeded") == true, "\(r.detail ?? "")")
        try await stillServes()
    }

    @Test func networkHasOnlyAnIsolatedLoopback() async throws {
        // A listener on the host's loopback, which the program must not reach.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        #expect(bound && listen(fd, 8) == 0)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let code = """
        import socket
        def connect(port):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return "connected"
            except OSError as e:
                return "blocked"
        def interfaces():
            return [name for _, name in socket.if_nameindex()]
        """
        let r = try await S.judge(code, ["assert connect(\(port)) == 'blocked'", "assert interfaces() == ['lo'], interfaces()"])
        #expect(r.status == .ok && r.score == 1, "\(r.detail ?? "")")
        // Nothing reached the host listener.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        #expect(accept(fd, nil, nil) < 0)
        try await stillServes()
    }

    @Test func secretsAndTheHostTreeAreInvisible() async throws {
        setenv("STEPTREE_TEST_SECRET", "hunter2", 1)
        let marker = NSTemporaryDirectory() + "/steptree-code-marker-\(getpid())"
        #expect(FileManager.default.createFile(atPath: marker, contents: Data("host".utf8)))
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let code = """
        import os
        def readable(path):
            try:
                with open(path) as f:
                    f.read()
                return True
            except OSError:
                return False
        """
        let r = try await S.judge(code, [
            "assert not readable('/etc/shadow') and not os.path.exists('/etc/shadow')",
            "assert not os.path.exists(os.path.expanduser('~/.ssh')) and not os.path.exists('/root/.ssh')",
            "assert not os.path.exists('/root') and not os.path.exists('/home')",
            "assert not os.path.exists('\(S.packageRoot)')",
            "assert not os.path.exists('\(marker)') and not os.path.exists('/tmp')",
            "assert 'STEPTREE_TEST_SECRET' not in os.environ and set(os.environ) <= {'HOME', 'TMPDIR', 'PATH', 'LANG', 'PWD'}, dict(os.environ)",
            "assert b'hunter2' not in open('/proc/1/environ', 'rb').read()",
            "assert os.getuid() == 1000 and os.geteuid() == 1000",
            "assert not any(os.path.exists(p) for p in ['/bin/sh', '/usr/bin/sh', '/usr/bin/env', '/usr/bin/curl'])",
        ])
        #expect(r.status == .ok && r.score == 1, "\(r.detail ?? "")")
        try await stillServes()
    }

    @Test func writingOutsideTheWorkDirectoryFails() async throws {
        let name = "steptree-escape-\(getpid())"
        let code = """
        def write(path):
            try:
                with open(path, "w") as f:
                    f.write("escaped")
                return True
            except OSError:
                return False
        """
        let targets = ["/\(name)", "/usr/\(name)", "/usr/lib/\(name)", "/tmp/\(name)", "/proc/\(name)", "/dev/shm/\(name)"]
        let r = try await S.judge(code, targets.map { "assert not write('\($0)')" } + ["assert write('/work/inside')"])
        #expect(r.status == .ok && r.score == 1, "\(r.detail ?? "")")
        for path in targets.prefix(4) { #expect(!FileManager.default.fileExists(atPath: path)) }
        try await stillServes()
    }

    @Test func killingItsParentOrTheHostFails() async throws {
        // A host process the program knows the pid of and tries to kill.
        let victim = Process()
        victim.executableURL = URL(fileURLWithPath: "/usr/bin/sleep")
        victim.arguments = ["30"]
        try victim.run()
        defer { victim.terminate() }
        let code = """
        import os, signal
        def kill_host(pid):
            try:
                os.kill(pid, signal.SIGKILL)
                return "killed"
            except ProcessLookupError:
                return "invisible"
        """
        let r = try await S.judge(code, [
            "assert kill_host(\(victim.processIdentifier)) == 'invisible'",
            "os.kill(os.getppid(), signal.SIGKILL)\nos.kill(-1, signal.SIGKILL)",
        ])
        #expect(r.status == .ok && r.score < 1, "\(r.status) \(r.detail ?? "")")
        #expect(victim.isRunning)
        #expect(kill(getpid(), 0) == 0)
        try await stillServes()
    }

    @Test func daemonsDoNotOutliveTheRun() async throws {
        let marker = "61.\(getpid())7"
        let code = """
        import os, sys, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.closerange(0, 64)
                os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(60)", "\(marker)"])
            os._exit(0)
        time.sleep(0.5)
        """
        let r = try await S.judge(code, ["assert True"])
        #expect(r.status == .ok && r.score == 1, "\(r.detail ?? "")")
        #expect(await S.eventually(2) { !S.hostProcess(containing: marker) }, "the daemon outlived the run")
        try await stillServes()
    }

    @Test func rlimitsCannotBeRaised() async throws {
        let code = """
        import resource
        def raise_hard(which):
            soft, hard = resource.getrlimit(which)
            try:
                resource.setrlimit(which, (soft, resource.RLIM_INFINITY))
                return "raised"
            except (ValueError, OSError):
                return "refused"
        """
        let names = ["RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_NPROC"]
        let r = try await S.judge(code, names.map { "assert raise_hard(resource.\($0)) == 'refused'" } + [
            "assert resource.getrlimit(resource.RLIMIT_AS) == (\(S.limits.memoryBytes), \(S.limits.memoryBytes))",
            "assert resource.getrlimit(resource.RLIMIT_NPROC)[1] == \(S.limits.processes)",
        ])
        #expect(r.status == .ok && r.score == 1, "\(r.detail ?? "")")
        try await stillServes()
    }

    @Test func ptraceReachesNothingOutside() async throws {
        let code = """
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        PTRACE_ATTACH = 16
        def attach(pid):
            if libc.ptrace(PTRACE_ATTACH, pid, None, None) == 0:
                return 0
            return ctypes.get_errno()
        def visible():
            return sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
        """
        let r = try await S.judge(code, [
            "assert attach(\(getpid())) == 3",  // ESRCH: the host test process does not exist in here
            "assert len(visible()) <= 3, visible()",
        ])
        #expect(r.status == .ok && r.score == 1, "\(r.detail ?? "")")
        try await stillServes()
    }

    @Test func runsInItsOwnSessionAndNamespaces() async throws {
        // Session and process group led inside the sandbox (--new-session: no TIOCSTI into a host
        // terminal); a session outside the PID namespace would read as 0. Hostname from the UTS namespace.
        let code = "import os, socket\n"
        let r = try await S.judge(code, [
            "assert os.getsid(0) != 0 and os.getpgid(0) != 0, (os.getsid(0), os.getpgid(0))",
            "assert socket.gethostname() == 'sandbox'",
            "assert os.readlink('/proc/self/ns/ipc') != '\((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/ipc")) ?? "")'",
        ])
        #expect(r.status == .ok && r.score == 1, "\(r.detail ?? "")")
    }

    @Test func inheritedDescriptorsDoNotReachTheProgram() async throws {
        // A descriptor this test process leaves open across exec, as a careless host might.
        let opened = open("/proc/self/status", O_RDONLY)
        let leaked = fcntl(opened, F_DUPFD, 100)
        close(opened)
        #expect(leaked >= 100)
        defer { close(leaked) }
        let code = "import os\ndef fds():\n    return sorted(int(f) for f in os.listdir('/proc/self/fd'))\n"
        let r = try await S.judge(code, ["assert \(leaked) not in fds() and max(fds()) <= 5, fds()"])
        #expect(r.status == .ok && r.score == 1, "\(r.detail ?? "")")
    }

    @Test func closingStdoutEarlyIsHarmless() async throws {
        let r = try await S.judge("import os\nos.close(1)\nos.close(2)\ndef f():\n    return 1\n", ["assert f() == 1"])
        #expect(r.status == .ok && r.score == 1, "\(r.detail ?? "")")
        try await stillServes()
    }

    @Test func earlyExitAndFakeVerdictsGainNothing() async throws {
        let code = "import os, sys\nprint('pass 0')\nos._exit(0)\n"
        let r = try await S.judge(code, ["assert False"])
        #expect(r.status == .ok && r.score == 0, "\(r.detail ?? "")")
    }
}
