/// Resource limits for one sandboxed run. Each is enforced by the kernel, not by the program.
public struct SandboxLimits: Hashable, Sendable {
    /// CPU seconds (`RLIMIT_CPU`; the program gets SIGXCPU, reported as a timeout). Default 5.
    public var cpuSeconds: Int
    /// Wall-clock seconds before the whole sandbox is killed (reported as a timeout). Default 10.
    public var wallSeconds: Double
    /// Address space in bytes (`RLIMIT_AS`; allocations fail with MemoryError). Default 1 GiB.
    public var memoryBytes: Int
    /// Largest file the program may write (`RLIMIT_FSIZE`). Default 16 MiB.
    public var fileSizeBytes: Int
    /// Open file descriptors (`RLIMIT_NOFILE`). Default 64.
    public var openFiles: Int
    /// Processes and threads (`RLIMIT_NPROC`, binding because the sandbox runs as an
    /// unprivileged uid in its own user namespace). Default 32.
    public var processes: Int
    /// Bytes of stdout plus stderr kept; past this the sandbox is killed. Default 1 MiB.
    public var outputBytes: Int
    /// Size of the private tmpfs work directory. Default 64 MiB.
    public var workDirBytes: Int

    /// Limits with the defaults listed on each property.
    public init(cpuSeconds: Int = 5, wallSeconds: Double = 10, memoryBytes: Int = 1 << 30, fileSizeBytes: Int = 16 << 20,
                openFiles: Int = 64, processes: Int = 32, outputBytes: Int = 1 << 20, workDirBytes: Int = 64 << 20) {
        self.cpuSeconds = cpuSeconds
        self.wallSeconds = wallSeconds
        self.memoryBytes = memoryBytes
        self.fileSizeBytes = fileSizeBytes
        self.openFiles = openFiles
        self.processes = processes
        self.outputBytes = outputBytes
        self.workDirBytes = workDirBytes
    }

    /// `prlimit` options applying these limits (core dumps off; the hard CPU limit one second past
    /// the soft one, so the program first gets SIGXCPU).
    var prlimitOptions: [String] {
        ["--cpu=\(cpuSeconds):\(cpuSeconds + 1)", "--as=\(memoryBytes)", "--fsize=\(fileSizeBytes)", "--nofile=\(openFiles)",
         "--nproc=\(processes)", "--core=0"]
    }
}
