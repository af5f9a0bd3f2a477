internal import InspectorCore

/// Endpoints of connections that ended with FIN or RST, remembered for one idle timeout so that late packets
/// (retransmissions, data racing a RST, the final ACK) are ignored instead of starting a phantom midstream
/// connection. A SYN on remembered endpoints still starts a new connection (port reuse).
///
/// Bounded: at most `capacity` entries (the oldest are dropped first). Expiry walks a FIFO in close order,
/// so each entry costs O(1) amortised over its life.
struct ClosedConnections {
    private struct Entry {
        var key: ConnectionKey
        var stamp: UInt64
    }

    private var closedAt: [ConnectionKey: (stamp: UInt64, time: CaptureTime)] = [:]
    /// Close order; entries whose stamp no longer matches `closedAt` were removed early and are skipped.
    private var order: [Entry] = []
    private var head = 0
    private var nextStamp: UInt64 = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { closedAt.count }

    func contains(_ key: ConnectionKey) -> Bool { closedAt[key] != nil }

    mutating func insert(_ key: ConnectionKey, time: CaptureTime) {
        nextStamp &+= 1
        closedAt[key] = (nextStamp, time)
        order.append(Entry(key: key, stamp: nextStamp))
        if order.count - head > 2 * capacity + 64 {
            // Early removals left stale entries behind: keep only the live ones (halves the array at least).
            order = order[head...].filter { closedAt[$0.key]?.stamp == $0.stamp }
            head = 0
        }
        var rounds = order.count
        while closedAt.count > capacity, rounds > 0 {
            rounds -= 1
            dropOldest()
        }
    }

    mutating func remove(_ key: ConnectionKey) {
        closedAt[key] = nil
    }

    /// Forgets every entry closed before `cutoff` (stops at the first later one, in close order).
    mutating func expire(closedBefore cutoff: CaptureTime) {
        while head < order.count {
            let entry = order[head]
            if let value = closedAt[entry.key], value.stamp == entry.stamp {
                guard value.time < cutoff else { break }
                closedAt[entry.key] = nil
            }
            head += 1
        }
        compact()
    }

    mutating func removeAll() {
        closedAt.removeAll()
        order.removeAll()
        head = 0
    }

    private mutating func dropOldest() {
        while head < order.count {
            let entry = order[head]
            head += 1
            if let value = closedAt[entry.key], value.stamp == entry.stamp {
                closedAt[entry.key] = nil
                break
            }
        }
        compact()
    }

    /// Drops the consumed front of `order` once it is at least half of the array: amortised O(1).
    private mutating func compact() {
        guard head > 64, head * 2 >= order.count else { return }
        order.removeFirst(head)
        head = 0
    }
}
