/// The open streams of one connection, by stream id.
///
/// A stream only ever joins with an id above every id seen before (`TripleConnectionDecoder` ignores a late block
/// of a lower one), so the table is two arrays in id order: found by binary search, added at the end, and a
/// finished stream leaves a hole, dropped once holes outnumber the open streams (at most `2 × count + 8` slots).
/// Against a `Dictionary` this hashes nothing and moves a stream once on its way in; gRPC keeps few streams open,
/// and finishes them roughly in the order they began.
struct StreamTable<Value> {
    private var ids: [UInt32] = []
    private var slots: [Value?] = []
    /// Open streams (slots that are not holes).
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }
    /// Slots held, holes included (what the table costs).
    var slotCount: Int { ids.count }

    /// Where the stream with this id is, if it is open. Valid until the next `append` or `remove`.
    func index(of id: UInt32) -> Int? {
        var low = 0
        var high = ids.count
        while low < high {
            let middle = (low + high) / 2
            if ids[middle] < id { low = middle + 1 } else { high = middle }
        }
        guard low < ids.count, ids[low] == id, slots[low] != nil else { return nil }
        return low
    }

    /// Adds a stream whose id is above every id added before; returns where it is.
    mutating func append(_ id: UInt32, _ value: consuming Value) -> Int {
        precondition(ids.last.map { $0 < id } ?? true, "stream ids join the table in ascending order")
        ids.append(id)
        slots.append(value)
        count += 1
        return ids.count - 1
    }

    subscript(index: Int) -> Value {
        _read { yield slots[index]! }
        _modify { yield &slots[index]! }
    }

    /// Takes the stream at `index` out of the table.
    mutating func remove(at index: Int) -> Value {
        let value = slots[index].take()!
        count -= 1
        if count == 0 {
            ids.removeAll(keepingCapacity: true)
            slots.removeAll(keepingCapacity: true)
        } else if index == ids.count - 1 {
            ids.removeLast()
            slots.removeLast()
        } else if ids.count - count > max(8, count) {
            compact()
        }
        return value
    }

    mutating func remove(id: UInt32) -> Value? {
        index(of: id).map { remove(at: $0) }
    }

    /// Takes the open stream with the lowest id out of the table.
    mutating func removeFirst() -> Value? {
        slots.firstIndex { $0 != nil }.map { remove(at: $0) }
    }

    /// Where the open streams are, in id order.
    var indices: [Int] { slots.indices.filter { slots[$0] != nil } }

    /// Folds the open streams in id order, each read in place.
    func reduce<Result>(_ initial: Result, _ next: (Result, borrowing Value) -> Result) -> Result {
        var result = initial
        for index in slots.indices where slots[index] != nil { result = next(result, slots[index]!) }
        return result
    }

    private mutating func compact() {
        var kept = 0
        for index in slots.indices where slots[index] != nil {
            if kept != index {
                ids[kept] = ids[index]
                slots.swapAt(kept, index)
            }
            kept += 1
        }
        ids.removeLast(ids.count - kept)
        slots.removeLast(slots.count - kept)
    }
}

extension StreamTable: Sendable where Value: Sendable {}
