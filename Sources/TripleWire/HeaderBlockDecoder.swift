import NIOCore
import NIOHPACK

/// One direction's HPACK decoder (RFC 7541), fed every header block of that direction in order.
///
/// After bytes were lost (or the connection was picked up mid-way) the dynamic table is unknown. Each block is
/// then decoded against an empty table: a block that refers only to the static table, to literals and to entries
/// it added itself decodes exactly as the real decoder would, since new entries take the lowest dynamic indexes;
/// a block referring to an older entry fails and its fields are reported as unknown, never guessed.
///
/// Blocks that leave the table as it was are looked up in `memory` first (`HeaderBlockMemory`), which also lends
/// the buffer each block is copied into for NIOHPACK (one per thread rather than two per connection).
struct HeaderBlockDecoder {
    private var decoder: HPACKDecoder
    private let maxHeaderListSize: Int
    private let maxTableSize: Int
    /// The table's content is known (every block since the start was decoded).
    private(set) var tableKnown = true
    private var tableSizeLimit = 4_096
    private let memory: HeaderBlockMemory
    /// This direction's table, as `memory` knows it: counted up whenever the table may have changed.
    private var table: HeaderBlockMemory.Key
    /// Blocks answered from `memory`.
    private(set) var blocksReused = 0

    init(limits: TripleLimits, memory: HeaderBlockMemory) {
        self.maxHeaderListSize = limits.maxHeaderListSize
        self.maxTableSize = limits.maxDynamicTableSize
        self.decoder = limits.maxHeaderListSize == Self.initial.maxHeaderListSize
            ? Self.initial : Self.makeDecoder(tableSize: 4_096, maxHeaderListSize: limits.maxHeaderListSize)
        self.memory = memory
        self.table = HeaderBlockMemory.Key(owner: memory.newOwner(), generation: 0)
    }

    private static func makeDecoder(tableSize: Int, maxHeaderListSize: Int) -> HPACKDecoder {
        HPACKDecoder(allocator: ByteBufferAllocator(), maxDynamicTableSize: tableSize, maxHeaderListSize: maxHeaderListSize)
    }

    /// A direction's decoder as it starts (RFC 7541's 4 096-byte table, the default header list bound), copied for
    /// each direction: NIOHPACK builds a 61-entry static table per decoder, and copies share the prototype's, which
    /// no copy ever changes (about 5 KB less per connection).
    private static let initial = makeDecoder(tableSize: 4_096, maxHeaderListSize: TripleLimits().maxHeaderListSize)

    /// The peer decoding this direction announced SETTINGS_HEADER_TABLE_SIZE: the encoder may now grow its
    /// table up to it. Beyond our cap the size update the encoder must send fails to decode: table unknown.
    mutating func peerAnnouncedTableSize(_ size: Int) {
        tableSizeLimit = min(size, maxTableSize)
        decoder.maxDynamicTableLength = tableSizeLimit
        table.generation += 1
    }

    /// Marks the table unknown: an earlier block was lost.
    mutating func lostBlocks() {
        tableKnown = false
        table.generation += 1
    }

    /// One complete header block decoded; `nil` when it cannot be (and then the table is unknown).
    mutating func decode(_ block: UnsafeBufferPointer<UInt8>) -> DecodedHeaderBlock? {
        // A block that reads no table decodes the same against an unknown one (see above).
        let use = HPACKRepresentations.tableUse(block)
        let key: HeaderBlockMemory.Key? = switch use {
        case .none: .anyTable
        case .reads where tableKnown: table
        case .reads, .changes: nil
        }
        let hash = key.flatMap { HeaderBlockMemory.hash(block, key: $0) }
        if let key, let hash, let remembered = memory.block(for: block, key: key, hash: hash) {
            blocksReused += 1
            return remembered
        }
        memory.scratch.clear()
        memory.scratch.writeBytes(UnsafeRawBufferPointer(block))
        if tableKnown {
            do {
                let decoded = DecodedHeaderBlock(try decoder.decodeHeaders(from: &memory.scratch))
                if use == .changes { table.generation += 1 }
                if let key, let hash { memory.decoded(block, key: key, hash: hash, as: decoded) }
                return decoded
            } catch {
                lostBlocks()
                return nil
            }
        }
        var unknownTable = Self.makeDecoder(tableSize: maxTableSize, maxHeaderListSize: maxHeaderListSize)
        unknownTable.maxDynamicTableLength = maxTableSize
        guard let fields = try? unknownTable.decodeHeaders(from: &memory.scratch) else { return nil }
        let decoded = DecodedHeaderBlock(fields)
        if let key, let hash { memory.decoded(block, key: key, hash: hash, as: decoded) }
        return decoded
    }
}
