internal import InspectorCore

/// The tracked connections: slot storage with a key index, a recency list for LRU eviction and idle flushing,
/// and a list of connections that hold buffered bytes.
///
/// A connection is worked on in its slot (`update`), or taken out of it (`take`) and put back after (`putBack`),
/// so its consumer is mutated in place with no copy. Every operation is O(1) on average.
struct ConnectionTable<Consumer: TCPStreamConsumer> {
    private var slots: [Connection<Consumer>?] = []
    private var index: [ConnectionKey: Int] = [:]
    private var freeSlots: [Int] = []
    /// Front = least recently active.
    private(set) var recency = SlotList()
    /// Front = started buffering longest ago.
    private(set) var buffering = SlotList()

    var count: Int { index.count }

    func slot(for key: ConnectionKey) -> Int? { index[key] }

    /// Runs a read-only question against the connection in `slot` without copying it out.
    func inspect<T>(_ slot: Int, _ body: (Connection<Consumer>) -> T) -> T? {
        guard slot >= 0, slot < slots.count, let connection = slots[slot] else { return nil }
        return body(connection)
    }

    func lastActivity(of slot: Int) -> CaptureTime? {
        guard slot >= 0, slot < slots.count else { return nil }
        return slots[slot]?.lastActivity
    }

    /// Stores a new connection as the most recently active one and returns its slot.
    mutating func insert(_ connection: Connection<Consumer>) -> Int {
        let slot: Int
        if let reused = freeSlots.popLast() {
            slot = reused
            slots[slot] = connection
        } else {
            slot = slots.count
            slots.append(connection)
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
        guard slot >= 0, slot < slots.count, slots[slot] != nil else { return nil }
        let result = work(&slots[slot]!, &stats)
        fileBuffering(slot, holdsBytes: slots[slot]?.hasBufferedData == true)
        return result
    }

    /// Moves the connection out of its slot for in-place work; the slot stays reserved until `putBack` or `remove`.
    mutating func take(_ slot: Int) -> Connection<Consumer>? {
        guard slot >= 0, slot < slots.count else { return nil }
        return slots[slot].take()
    }

    /// Returns a taken connection to its slot and files it in the buffering list if it holds bytes.
    /// Consuming, so the connection (and its consumer's buffers) moves back instead of being copied per packet.
    mutating func putBack(_ connection: consuming Connection<Consumer>, at slot: Int) {
        guard slot >= 0, slot < slots.count else { return }
        fileBuffering(slot, holdsBytes: connection.hasBufferedData)
        slots[slot] = connection
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
