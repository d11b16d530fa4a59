import Foundation

/// Runs blocking `work` (waiting for a process, say) on a thread of its own and returns its
/// result. Swift concurrency has one cooperative thread per core; a test that blocks them stalls
/// every other test of the process, and their time limits fail.
public func offThePool<T>(_ work: @escaping () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
