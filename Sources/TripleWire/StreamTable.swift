/// The open streams of one connection, by stream id.
///
/// A stream only ever joins with an id above every id seen before (`TripleConnectionDecoder` ignores a late block
/// of a lower one), so the table is two arrays in id order: found by binary search, added at the end, and taken
/// out from wherever it is, the ones after it moving up (gRPC keeps few streams open; at the limit of 1 024 a
/// removal moves ~170 KiB). Against a `Dictionary` this hashes nothing, and a stream is changed where it is
/// stored: `Array`'s subscript changes an element in place, where `Deque`'s, or an optional's `!`, measured a copy
/// — and a copy of a stream shares its call's box, which changing the call then copies whole.
struct StreamTable<Value> {
    private var ids: [UInt32] = []
    private var streams: [Value] = []

    var count: Int { ids.count }
    var isEmpty: Bool { ids.isEmpty }
    /// Where the open streams are, in id order.
    var indices: Range<Int> { 0..<ids.count }

    /// Where the stream with this id is, if it is open. Valid until the next `append` or `remove`.
    func index(of id: UInt32) -> Int? {
        var low = 0
        var high = ids.count
        while low < high {
            let middle = (low + high) / 2
            if ids[middle] < id { low = middle + 1 } else { high = middle }
        }
        return low < ids.count && ids[low] == id ? low : nil
    }

    /// Adds a stream whose id is above every id added before; returns where it is.
    mutating func append(_ id: UInt32, _ stream: consuming Value) -> Int {
        precondition(ids.last.map { $0 < id } ?? true, "stream ids join the table in ascending order")
        ids.append(id)
        streams.append(stream)
        return ids.count - 1
    }

    subscript(index: Int) -> Value {
        _read { yield streams[index] }
        _modify { yield &streams[index] }
    }

    /// Takes the stream at `index` out of the table.
    mutating func remove(at index: Int) -> Value {
        ids.remove(at: index)
        return streams.remove(at: index)
    }

    mutating func remove(id: UInt32) -> Value? {
        index(of: id).map { remove(at: $0) }
    }

    /// Takes the open stream with the lowest id out of the table.
    mutating func removeFirst() -> Value? {
        isEmpty ? nil : remove(at: 0)
    }

    /// Folds the open streams in id order.
    func reduce<Result>(_ initial: Result, _ next: (Result, Value) -> Result) -> Result {
        streams.reduce(initial, next)
    }
}

extension StreamTable: Sendable where Value: Sendable {}
