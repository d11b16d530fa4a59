#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where generator and evaluator tasks drop their results for the driver's loop. Unlike an
/// `AsyncStream`, the loop takes everything that arrived at once, so one pass of the loop
/// handles many results and batches the requests they lead to.
final class EventMailbox<Event: Sendable>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var events: [Event] = []
    private var waiter: CheckedContinuation<[Event], Never>?

    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }

    /// Adds an event (any thread).
    func post(_ event: Event) {
        pthread_mutex_lock(&mutex)
        if let w = waiter {
            waiter = nil
            pthread_mutex_unlock(&mutex)
            w.resume(returning: [event])
            return
        }
        events.append(event)
        pthread_mutex_unlock(&mutex)
    }

    /// Every event posted since the last call, waiting for one when there are none. One waiter at a time.
    func take() async -> [Event] {
        await withCheckedContinuation { (c: CheckedContinuation<[Event], Never>) in
            pthread_mutex_lock(&mutex)
            if events.isEmpty {
                waiter = c
                pthread_mutex_unlock(&mutex)
            } else {
                let all = events
                events.removeAll(keepingCapacity: true)
                pthread_mutex_unlock(&mutex)
                c.resume(returning: all)
            }
        }
    }
}
