internal import InspectorCore

/// The tracked connections: slot storage with a key index, a recency list for LRU eviction and idle flushing,
/// and a list of connections that hold buffered bytes.
///
/// A connection is worked on in its slot (`update`), or taken out of it (`take`) and put back after (`putBack`),
/// so its consumer is mutated in place with no copy. Every operation is O(1) on average.
struct ConnectionTable<Consumer: TCPStreamConsumer> {
    /// A connection in its slot. Boxed, so telling an empty slot from a full one is a null check: as an optional
    /// struct in the array, each packet copied the whole connection (848 bytes) several times to look at its case.
    private final class Slot {
        var connection: Connection<Consumer>

        init(_ connection: consuming Connection<Consumer>) {
            self.connection = connection
        }

        func read<T>(_ body: (borrowing Connection<Consumer>) -> T) -> T {
            body(connection)
        }
    }

    private var slots: [Slot?] = []
    private var index: [ConnectionKey: Int] = [:]
    private var freeSlots: [Int] = []
    /// Front = least recently active.
    private(set) var recency = SlotList()
    /// Front = started buffering longest ago.
    private(set) var buffering = SlotList()

    var count: Int { index.count }

    func slot(for key: ConnectionKey) -> Int? { index[key] }

    /// Runs a read-only question against the connection in `slot` without copying it out.
    func inspect<T>(_ slot: Int, _ body: (borrowing Connection<Consumer>) -> T) -> T? {
        guard slot >= 0, slot < slots.count, let box = slots[slot] else { return nil }
        return box.read(body)
    }

    func lastActivity(of slot: Int) -> CaptureTime? {
        inspect(slot) { $0.lastActivity }
    }

    /// Stores a new connection as the most recently active one and returns its slot.
    mutating func insert(_ connection: Connection<Consumer>) -> Int {
        let slot: Int
        if let reused = freeSlots.popLast() {
            slot = reused
            slots[slot] = Slot(connection)
        } else {
            slot = slots.count
            slots.append(Slot(connection))
        }
        index[connection.key] = slot
        recency.append(slot)
        return slot
    }

    /// Runs `work` on the connection in `slot` where it lies (nothing is copied, so its consumer's buffers stay
    /// uniquely referenced) and on the caller's counters, then files it in the buffering list if it holds bytes.
    /// `nil` for an empty slot.
    mutating func update<Result>(
        _ slot: Int, counting stats: inout ReassemblyStats,
        _ work: (inout Connection<Consumer>, inout ReassemblyStats) -> Result
    ) -> Result? {
        guard slot >= 0, slot < slots.count, let box = slots[slot] else { return nil }
        let result = work(&box.connection, &stats)
        fileBuffering(slot, holdsBytes: box.connection.hasBufferedData)
        return result
    }

    /// Moves the connection out of its slot for in-place work; the slot stays reserved until `putBack` or `remove`.
    mutating func take(_ slot: Int) -> Connection<Consumer>? {
        guard slot >= 0, slot < slots.count, let box = slots[slot].take() else { return nil }
        // The box goes with this reference, so the connection's buffers are unique again right after.
        return box.connection
    }

    /// Returns a taken connection to its slot and files it in the buffering list if it holds bytes.
    /// Consuming, so the connection (and its consumer's buffers) moves back instead of being copied per packet.
    mutating func putBack(_ connection: consuming Connection<Consumer>, at slot: Int) {
        guard slot >= 0, slot < slots.count else { return }
        fileBuffering(slot, holdsBytes: connection.hasBufferedData)
        slots[slot] = Slot(connection)
    }

    /// Marks the connection in `slot` as the most recently active.
    mutating func touch(_ slot: Int) {
        recency.append(slot)
    }

    /// Forgets the connection in `slot` (taken or not) and frees the slot for reuse.
    mutating func remove(_ slot: Int, key: ConnectionKey) {
        guard slot >= 0, slot < slots.count else { return }
        slots[slot] = nil
        index[key] = nil
        recency.remove(slot)
        buffering.remove(slot)
        freeSlots.append(slot)
    }

    /// Keeps `buffering` listing exactly the connections that hold bytes (first filed, first in line).
    private mutating func fileBuffering(_ slot: Int, holdsBytes: Bool) {
        if holdsBytes {
            if !buffering.contains(slot) { buffering.append(slot) }
        } else {
            buffering.remove(slot)
        }
    }
}
