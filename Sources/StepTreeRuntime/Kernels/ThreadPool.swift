import CStepTreeKernels
import Foundation

/// The kernels' threads (`stk_pool`): a fixed set of workers that spin briefly between jobs, so
/// the many short products of a forward pass do not each pay for waking threads. The calling
/// thread takes part in every job; one job runs at a time. Products run their OpenBLAS calls
/// on the pool's threads, one tile each, so creating a pool sets OpenBLAS to one thread.
final class ThreadPool: @unchecked Sendable {
    let pointer: OpaquePointer?
    /// Threads taking part in each job, the caller included.
    let threads: Int
    private let scratchLock = NSLock()
    private var scratch: UnsafeMutablePointer<Float>?
    private var scratchPerThread = 0

    init(threads: Int) {
        pointer = stk_pool_create(Int32(max(1, threads)))
        self.threads = Int(stk_pool_threads(pointer))
        BLASSettings.setThreads(1)
    }

    deinit {
        stk_pool_destroy(pointer)
        scratch?.deallocate()
    }

    /// Calls `body(task, thread)` once for each task in `0..<tasks`, spread over the threads
    /// (`thread` in `0..<threads` names the one running it); returns when all have finished.
    func run(tasks: Int, _ body: (_ task: Int, _ thread: Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            var closure = body
            withUnsafeMutablePointer(to: &closure) { context in
                stk_pool_run(pointer, { context, task, thread in
                    context!.assumingMemoryBound(to: ((Int, Int) -> Void).self).pointee(Int(task), Int(thread))
                }, context, Int32(tasks))
            }
        }
    }

    /// Runs `body` with `perThread` floats of scratch for each thread (thread `i`'s from
    /// `i * perThread` on), kept between calls; one caller at a time.
    func withScratch<R>(perThread: Int, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        scratchLock.lock()
        defer { scratchLock.unlock() }
        if perThread > scratchPerThread || scratch == nil {
            scratch?.deallocate()
            scratch = .allocate(capacity: max(1, perThread * threads))
            scratchPerThread = perThread
        }
        return body(scratch!)
    }
}
