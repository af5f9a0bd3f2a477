/// Several capture files read as one stream, in capture-time order.
///
/// Keeps one head packet per file and returns the earliest (ties go to the file listed first).
/// Only the file whose packet was consumed is read again, on the next call, so the heads of the
/// other files stay valid in their readers' buffers. A file whose own packets are out of order
/// still merges by its head packet: the output is ordered only as well as the inputs are.
///
/// When a file fails mid-way (`.truncatedFile`), the error is thrown once and that file is
/// dropped; the next call continues with the others. Holds its readers by reference, so copies of
/// this value share them: use one copy.
package struct MergedPacketSource: PacketSource {
    /// Per file: nothing read yet (or the last packet was consumed), a packet waiting, or done.
    private enum Head {
        case needsRead
        case ready(CapturedPacket)
        case finished
    }

    /// The readers, in input order.
    package let readers: [PcapFileReader]
    /// The reader when there is only one: nothing to merge, its packets are passed straight through (the usual
    /// case, and per packet the bookkeeping of heads cost as much as a quarter of reading the record).
    private let onlyReader: PcapFileReader?
    private var heads: [Head]
    /// The reader whose packet was returned last: it must advance before the next choice.
    private var consumed: Int?

    /// Merges already opened readers (keeping their `sourceIndex`es). Lets a caller open each file
    /// itself, report the ones that fail, and merge the rest.
    package init(readers: [PcapFileReader]) {
        self.readers = readers
        self.onlyReader = readers.count == 1 ? readers[0] : nil
        self.heads = Array(repeating: .needsRead, count: readers.count)
    }

    /// Opens every path (its position becomes its `sourceIndex`) with the same filter.
    /// Throws the first file's open error; use `init(readers:)` to continue past bad files.
    package init(paths: [String], filter: String? = nil) throws(CaptureError) {
        var readers: [PcapFileReader] = []
        readers.reserveCapacity(paths.count)
        for (index, path) in paths.enumerated() {
            readers.append(try PcapFileReader(path: path, filter: filter, sourceIndex: index))
        }
        self.init(readers: readers)
    }

    /// Totals over all files.
    package var stats: CaptureStats {
        readers.reduce(CaptureStats()) { $0 + $1.stats }
    }

    /// The earliest head packet across the files; `nil` when every file has ended.
    ///
    /// Throws a file's `.truncatedFile` error once; that file is then finished and the others go on.
    package mutating func nextPacket() throws(CaptureError) -> CapturedPacket? {
        // A reader that threw is finished: its next call returns nil, as a finished head does.
        if let onlyReader { return try onlyReader.nextPacket() }
        if let consumed {
            heads[consumed] = .needsRead
            self.consumed = nil
        }
        for index in heads.indices {
            guard case .needsRead = heads[index] else { continue }
            do {
                heads[index] = try readers[index].nextPacket().map(Head.ready) ?? .finished
            } catch {
                heads[index] = .finished
                throw error
            }
        }
        var earliest: (index: Int, packet: CapturedPacket)? = nil
        for index in heads.indices {
            guard case .ready(let packet) = heads[index] else { continue }
            if let current = earliest, current.packet.time <= packet.time { continue }
            earliest = (index, packet)
        }
        guard let earliest else { return nil }
        consumed = earliest.index
        return earliest.packet
    }
}
