import Glibc
import InspectorCore
import Testing

@Suite("Locked")
struct LockedTests {
    struct Refused: Error, Equatable {}

    @Test("two threads adding 100 000 each under the lock lose no update")
    func noLostUpdates() {
        let counter = Locked(0)
        let threads = (0..<2).map { _ in
            Thread {
                for _ in 0..<100_000 { counter.withLock { $0 += 1 } }
            }
        }
        for thread in threads { thread.join() }
        #expect(counter.withLock { $0 } == 200_000)
    }

    @Test("withLock returns the body's result and passes its typed error through, unlocking either way")
    func resultsAndErrors() {
        let names = Locked(["a"])
        #expect(names.withLock { names -> Int in
            names.append("b")
            return names.count
        } == 2)
        #expect(throws: Refused()) {
            try names.withLock { (_) throws(Refused) in throw Refused() }
        }
        // Still usable: the failed body released the lock.
        #expect(names.withLock { $0 } == ["a", "b"])
    }

    /// A joinable pthread running `body` (the tests need the join: it is what orders the threads' writes).
    final class Thread: @unchecked Sendable {
        private var handle = pthread_t()
        private let body: () -> Void

        init(_ body: @escaping @Sendable () -> Void) {
            self.body = body
            let context = Unmanaged.passRetained(self).toOpaque()
            pthread_create(&handle, nil, { context in
                let thread = Unmanaged<Thread>.fromOpaque(context!).takeRetainedValue()
                thread.body()
                return nil
            }, context)
        }

        func join() { pthread_join(handle, nil) }
    }
}
