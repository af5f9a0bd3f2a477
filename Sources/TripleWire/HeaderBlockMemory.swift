import Glibc
import NIOCore
import NIOHPACK

/// Header blocks decoded before, remembered across the Triple connections of one analysis thread, so a block sent
/// again is not HPACK-decoded again.
///
/// gRPC peers send the same few blocks over and over (a method's request headers, `:status 200`, `grpc-status 0`).
/// A block that leaves the dynamic table as it was decodes to the same fields as long as the table has not changed:
/// such a block is remembered under its bytes and, when it reads the table, under its direction and that table's
/// generation (`HeaderBlockDecoder` counts one up whenever its table may change, so older entries are never
/// matched again and age out). A block of static-table references and literals reads no table, and is shared by
/// every connection.
///
/// Bounded: a block is kept only when seen a second time, at most `maxBlockLength` bytes; all entries together stay
/// within `budget` bytes (blocks and decoded fields, estimated) and `maxEntries`, the oldest replaced first.
/// One instance per analysis thread, never shared between threads, for decoders with the same `TripleLimits`.
public final class HeaderBlockMemory: @unchecked Sendable {
    // @unchecked: used by the one thread that decodes its connections (docs/LIMITS.md, "Triple").
    public static let defaultBudget = 4 << 20
    static let maxBlockLength = 1_024
    static let maxEntries = 8_192

    private struct Entry {
        var hash: Int
        var key: Key
        var bytes: [UInt8]
        var decoded: DecodedHeaderBlock
        var cost: Int
    }

    /// Whose table a remembered block read: a direction of one connection at one generation of its table, or none.
    struct Key: Equatable {
        var owner: UInt64
        var generation: UInt64
        static let anyTable = Key(owner: 0, generation: 0)
    }

    private let budget: Int
    private var ring: [Entry?] = []
    private var next = 0
    private var slotByHash: [Int: Int] = [:]
    /// Hashes of blocks seen once, direct-mapped: a block found here is kept when decoded again.
    private var seen: [Int]
    private var lastOwner: UInt64 = 0
    private(set) var heldBytes = 0
    /// Where a block is copied for NIOHPACK's decoder: one buffer for every connection of the thread (it grows to
    /// the largest block decoded, at most `TripleLimits.maxHeaderBlockLength`).
    var scratch = ByteBufferAllocator().buffer(capacity: 0)

    public init(budget: Int = HeaderBlockMemory.defaultBudget) {
        self.budget = max(0, budget)
        seen = Array(repeating: 0, count: budget >= 1 << 20 ? 4_096 : 256)
    }

    /// Blocks remembered now.
    var count: Int { slotByHash.count }

    /// A new owner for a direction's table.
    func newOwner() -> UInt64 {
        lastOwner += 1
        return lastOwner
    }

    /// The hash a block is remembered under (its bytes and whose table it reads); nil when too long to keep.
    static func hash(_ block: UnsafeBufferPointer<UInt8>, key: Key) -> Int? {
        guard block.count <= maxBlockLength else { return nil }
        return Int(bitPattern: UInt(truncatingIfNeeded: fastHash(block, seed: key.owner &* 0x9E37_79B9_7F4A_7C15 ^ key.generation)))
    }

    /// What `block` decoded to when it was remembered.
    func block(for block: UnsafeBufferPointer<UInt8>, key: Key, hash: Int) -> DecodedHeaderBlock? {
        guard let slot = slotByHash[hash], let entry = ring[slot], entry.key == key, entry.bytes.count == block.count
        else { return nil }
        let same = entry.bytes.withUnsafeBufferPointer { kept in
            block.isEmpty || memcmp(kept.baseAddress!, block.baseAddress!, block.count) == 0
        }
        return same ? entry.decoded : nil
    }

    /// `block` was just decoded, leaving its table as it was.
    func decoded(_ block: UnsafeBufferPointer<UInt8>, key: Key, hash: Int, as decoded: DecodedHeaderBlock) {
        let seenIndex = hash & (seen.count - 1)
        guard seen[seenIndex] == hash else {
            seen[seenIndex] = hash
            return
        }
        // The fields, and the meaning worked out from them: its strings are the fields' own but for `:path`, split
        // into service and method.
        var cost = 128 + block.count
        for (name, value, _) in decoded.fields { cost += 64 + name.utf8.count + value.utf8.count * (name == ":path" ? 2 : 1) }
        guard cost <= budget / 16 else { return }
        if ring.isEmpty { ring = Array(repeating: nil, count: Self.maxEntries) }
        if let slot = slotByHash[hash] { evict(slot) }
        // Oldest first: the slot written next, then as many after it as the budget needs.
        evict(next)
        var freed = next
        for _ in 1..<Self.maxEntries where heldBytes + cost > budget {
            freed = (freed + 1) % Self.maxEntries
            evict(freed)
        }
        ring[next] = Entry(hash: hash, key: key, bytes: Array(block), decoded: decoded, cost: cost)
        slotByHash[hash] = next
        heldBytes += cost
        next = (next + 1) % Self.maxEntries
    }

    private func evict(_ slot: Int) {
        guard let entry = ring[slot] else { return }
        ring[slot] = nil
        heldBytes -= entry.cost
        if slotByHash[entry.hash] == slot { slotByHash[entry.hash] = nil }
    }

    /// A quick 64-bit hash of the bytes (a match is confirmed byte for byte, so a collision only costs a miss).
    private static func fastHash(_ bytes: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
        var hash = seed ^ (UInt64(bytes.count) &* 0xFF51_AFD7_ED55_8CCD)
        let raw = UnsafeRawBufferPointer(bytes)
        var offset = 0
        while offset + 8 <= raw.count {
            hash = mix(hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        var tail: UInt64 = 0
        while offset < raw.count {
            tail = tail << 8 | UInt64(raw[offset])
            offset += 1
        }
        return mix(hash ^ tail)
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var x = value &* 0xC4CE_B9FE_1A85_EC53
        x ^= x >> 29
        return x &* 0x9E37_79B9_7F4A_7C15
    }
}

/// Reading a header block's representations (RFC 7541 §6) without decoding their strings.
enum HPACKRepresentations {
    enum TableUse: Equatable {
        /// Adds entries or resizes the table (incremental indexing, a size update), or is malformed.
        case changes
        /// Refers to dynamic-table entries (index 62 and up) and changes nothing.
        case reads
        /// Static-table references and literals only: decodes the same against any table.
        case none
    }

    /// How decoding `block` uses the decoder's dynamic table. A malformed block counts as `changes` (the decoder
    /// will say what is wrong with it).
    static func tableUse(_ block: UnsafeBufferPointer<UInt8>) -> TableUse {
        var reads = false
        var index = 0
        while index < block.count {
            let first = block[index]
            if first & 0x80 != 0 {  // indexed header field
                guard let table = readInteger(prefixBits: 7, in: block, at: &index) else { return .changes }
                reads = reads || table > staticEntries
            } else if first & 0xE0 == 0x00 {  // literal without indexing (0000) or never indexed (0001)
                guard let name = readInteger(prefixBits: 4, in: block, at: &index) else { return .changes }
                reads = reads || name > staticEntries
                if name == 0 { guard skipString(in: block, at: &index) else { return .changes } }
                guard skipString(in: block, at: &index) else { return .changes }
            } else {
                return .changes  // incremental indexing (01), or a dynamic table size update (001)
            }
        }
        return reads ? .reads : .none
    }

    /// Entries of RFC 7541's static table (Appendix A); higher indexes are the dynamic table's.
    static let staticEntries = 61

    /// An integer with an N-bit prefix (§5.1) starting at `index`; nil when cut short or past 2^32 (as NIOHPACK).
    private static func readInteger(prefixBits: Int, in block: UnsafeBufferPointer<UInt8>, at index: inout Int) -> Int? {
        let mask = (1 << prefixBits) - 1
        guard index < block.count else { return nil }
        var value = Int(block[index]) & mask
        index += 1
        guard value == mask else { return value }
        var shift = 0
        while shift < 35 {
            guard index < block.count else { return nil }
            let byte = block[index]
            index += 1
            value += Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value <= Int(UInt32.max) ? value : nil }
            shift += 7
        }
        return nil
    }

    /// Moves past a string literal (§5.2): a length with a 7-bit prefix after the Huffman bit, then its bytes.
    private static func skipString(in block: UnsafeBufferPointer<UInt8>, at index: inout Int) -> Bool {
        guard let length = readInteger(prefixBits: 7, in: block, at: &index), length <= block.count - index else {
            return false
        }
        index += length
        return true
    }
}
