import RegistryJoin
import RecordFormats
/// The most calls awaiting a response at once on one connection, found while records stream past.
///
/// A call is in flight from its request's first byte to its response's first byte. The count peaks just before
/// some response arrives, so every response time is a checkpoint whose count is the number of calls spanning it:
/// a new call adds one to each remembered checkpoint it spans, and its own checkpoint starts with the remembered
/// calls that span it. Records come roughly in response order, so the checkpoints touched are those of calls
/// answered while this one was pending. Only the `window` latest checkpoints are remembered (fixed memory,
/// bounded work per call); a call outlasting more than `window` answers on its connection can be undercounted.
struct InFlightTracker {
    private struct Checkpoint {
        var start: Int64
        var end: Int64
        var count: Int
    }

    static let window = 256

    /// Sorted by `end`; entries before `head` are retired.
    private var checkpoints: [Checkpoint] = []
    private var head = 0
    private(set) var maximum = 0

    /// Adds a call in flight from `start` to `end` (nanoseconds of capture time).
    mutating func add(start: Int64, end: Int64) {
        guard end >= start else { return }
        // First remembered checkpoint ending at or after `end`, and first ending after `start`.
        let atOrAfterEnd = firstIndex { $0.end >= end }
        let afterStart = firstIndex { $0.end > start }
        var own = 1
        for index in atOrAfterEnd..<checkpoints.count where checkpoints[index].start < end {
            own += 1
        }
        // Checkpoints in (start, end] are spanned by the new call.
        var index = afterStart
        while index < checkpoints.count, checkpoints[index].end <= end {
            checkpoints[index].count += 1
            maximum = max(maximum, checkpoints[index].count)
            index += 1
        }
        maximum = max(maximum, own)
        // Insert after any checkpoint with the same end, keeping the order.
        let position = firstIndex { $0.end > end }
        checkpoints.insert(Checkpoint(start: start, end: end, count: own), at: position)
        if checkpoints.count - head > Self.window {
            head += 1
            if head >= Self.window {
                checkpoints.removeFirst(head)
                head = 0
            }
        }
    }

    /// Binary search over the live checkpoints for the first one satisfying a predicate that is monotone in `end`.
    private func firstIndex(where predicate: (Checkpoint) -> Bool) -> Int {
        var low = head
        var high = checkpoints.count
        while low < high {
            let middle = (low + high) / 2
            if predicate(checkpoints[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
