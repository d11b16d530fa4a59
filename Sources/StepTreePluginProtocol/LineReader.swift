#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a file descriptor's bytes into `\n`-terminated lines, with a length limit.
///
/// Used by plugins (reading stdin) and by the host (reading plugin stdout and stderr). A line longer than the limit is
/// skipped up to its newline and reported once as `.tooLong`.
public struct LineReader {
    /// One unit read from the descriptor.
    public enum Line {
        /// A complete line without its `\n` (the final line may lack one).
        case line([UInt8])
        /// A line that exceeded the limit; `size` is how many bytes were seen before giving up.
        case tooLong(size: Int)
    }

    private let fd: Int32
    private let maxLineBytes: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var scanned = 0
    private var skipping = false
    private var finished = false
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)

    /// Reads from `fd` (not closed by the reader).
    public init(fd: Int32, maxLineBytes: Int) {
        self.fd = fd
        self.maxLineBytes = maxLineBytes
    }

    /// The next line, or nil at end of input (or on a read error).
    public mutating func next() -> Line? {
        while true {
            if let newline = buffer[max(start, scanned)...].firstIndex(of: 0x0A) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                scanned = start
                if skipping {
                    skipping = false
                    continue
                }
                if line.count > maxLineBytes { return .tooLong(size: line.count) }
                return .line(line)
            }
            scanned = buffer.count
            if buffer.count - start > maxLineBytes, !skipping {
                let size = buffer.count - start
                buffer.removeAll(keepingCapacity: true)
                start = 0
                scanned = 0
                skipping = true
                return .tooLong(size: size)
            }
            if skipping {
                buffer.removeAll(keepingCapacity: true)
                start = 0
                scanned = 0
            }
            if finished {
                defer { buffer.removeAll(); start = 0; scanned = 0 }
                if start < buffer.count, !skipping { return .line(Array(buffer[start...])) }
                return nil
            }
            if start > 0, start >= buffer.count / 2 {
                buffer.removeFirst(start)
                scanned -= start
                start = 0
            }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 {
                finished = true
                continue
            }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }
}
