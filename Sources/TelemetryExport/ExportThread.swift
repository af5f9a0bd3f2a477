import Glibc

/// A joinable pthread running one closure; `join()` waits for it.
final class ExportThread: @unchecked Sendable {
    private var thread: pthread_t?
    private let joined = WaitableState(false)

    init(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(ThreadBody(body))
        var handle = pthread_t()
        let result = pthread_create(&handle, nil, { argument in
            let body = Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue()
            body.run()
            return nil
        }, box.toOpaque())
        if result == 0 {
            thread = handle
        } else {
            // No thread: run nothing, and let join return at once. The exporter counts everything as dropped.
            box.release()
            thread = nil
        }
    }

    var started: Bool { thread != nil }

    /// Waits for the thread to end (once; later calls return at once).
    func join() {
        let first = joined.update { done -> Bool in
            defer { done = true }
            return !done
        }
        if first, let thread { pthread_join(thread, nil) }
    }
}

private final class ThreadBody: @unchecked Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}
