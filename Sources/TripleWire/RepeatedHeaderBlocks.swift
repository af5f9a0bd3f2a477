import Glibc
import NIOHPACK

/// The decoded fields of header blocks a direction sends again and again, so a repeat skips HPACK decoding.
///
/// A gRPC peer in its stride sends the same few blocks byte for byte (a method's request headers, `:status 200`,
/// `grpc-status 0`): once every field is in its dynamic table they are indexed references, and a block that adds
/// nothing to the table decodes to the same fields for as long as the table is unchanged. So only such blocks are
/// kept (`HPACKRepresentations.leaveTableUnchanged`), and all of them are forgotten whenever the table may change.
///
/// Memory stays small whatever the traffic: a block is kept only when seen a second time (a connection that makes
/// one call keeps nothing), at most `maxEntries` per direction, each at most `maxBlockLength` bytes.
struct RepeatedHeaderBlocks {
    static let maxEntries = 4
    static let maxBlockLength = 512
    private static let recentCount = 4

    private struct Entry {
        var hash: Int
        var bytes: [UInt8]
        var fields: HPACKHeaders
    }

    private var entries: [Entry] = []
    /// Where the next entry goes once all are in use (oldest first).
    private var nextReplaced = 0
    /// Hashes of the last blocks decoded but not kept: a block found here is kept when decoded again.
    private var recent: InlineArray<4, Int> = .init(repeating: 0)
    private var nextRecent = 0

    /// The key of a block that leaves the table unchanged: its hash, or nil when it is too long to keep.
    static func key(_ block: UnsafeBufferPointer<UInt8>) -> Int? {
        guard block.count <= maxBlockLength else { return nil }
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(block))
        return hasher.finalize()
    }

    /// Blocks kept now.
    var count: Int { entries.count }

    /// The fields `block` decoded to when it was kept.
    func fields(for block: UnsafeBufferPointer<UInt8>, key: Int) -> HPACKHeaders? {
        for entry in entries where entry.hash == key && entry.bytes.count == block.count {
            let same = entry.bytes.withUnsafeBufferPointer { kept in
                block.isEmpty || memcmp(kept.baseAddress!, block.baseAddress!, block.count) == 0
            }
            if same { return entry.fields }
        }
        return nil
    }

    /// `block` (with `key`) was just decoded to `fields` and left the table as it was.
    mutating func decoded(_ block: UnsafeBufferPointer<UInt8>, key: Int, as fields: HPACKHeaders) {
        guard recent.indices.contains(where: { recent[$0] == key }) else {
            recent[nextRecent] = key
            nextRecent = (nextRecent + 1) % Self.recentCount
            return
        }
        let entry = Entry(hash: key, bytes: Array(block), fields: fields)
        if entries.count < Self.maxEntries {
            entries.append(entry)
        } else {
            entries[nextReplaced] = entry
            nextReplaced = (nextReplaced + 1) % Self.maxEntries
        }
    }

    /// The table may have changed: nothing kept still holds.
    mutating func forgetAll() {
        guard !entries.isEmpty || nextRecent != 0 || recent[0] != 0 else { return }
        entries.removeAll(keepingCapacity: true)
        nextReplaced = 0
        recent = .init(repeating: 0)
        nextRecent = 0
    }
}

/// Reading a header block's representations (RFC 7541 §6) without decoding their strings.
enum HPACKRepresentations {
    /// Whether decoding `block` leaves the decoder's dynamic table as it was: every representation is an indexed
    /// field or a literal without indexing / never indexed — no incremental indexing, no table size update.
    /// false for a malformed block (the decoder will say what is wrong with it).
    static func leaveTableUnchanged(_ block: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < block.count {
            let first = block[index]
            if first & 0x80 != 0 {  // indexed header field
                guard skipInteger(prefixBits: 7, in: block, at: &index) else { return false }
            } else if first & 0xF0 == 0x00 || first & 0xF0 == 0x10 {  // literal without indexing, never indexed
                let nameIndexIsZero = first & 0x0F == 0
                guard skipInteger(prefixBits: 4, in: block, at: &index) else { return false }
                if nameIndexIsZero { guard skipString(in: block, at: &index) else { return false } }
                guard skipString(in: block, at: &index) else { return false }
            } else {
                return false  // incremental indexing (01), or a dynamic table size update (001)
            }
        }
        return true
    }

    /// Moves past an integer with an N-bit prefix (§5.1) starting at `index`; false when cut short or too large.
    private static func skipInteger(prefixBits: Int, in block: UnsafeBufferPointer<UInt8>, at index: inout Int) -> Bool {
        let mask = UInt8(truncatingIfNeeded: (1 << prefixBits) - 1)
        guard index < block.count else { return false }
        let prefix = block[index] & mask
        index += 1
        guard prefix == mask else { return true }
        // Continuation bytes: NIOHPACK refuses values past 2^32 (five of them), and so do we.
        for _ in 0..<5 {
            guard index < block.count else { return false }
            let byte = block[index]
            index += 1
            if byte & 0x80 == 0 { return true }
        }
        return false
    }

    /// Moves past a string literal (§5.2): a length with a 7-bit prefix after the Huffman bit, then its bytes.
    private static func skipString(in block: UnsafeBufferPointer<UInt8>, at index: inout Int) -> Bool {
        guard index < block.count else { return false }
        var length = Int(block[index] & 0x7F)
        index += 1
        if length == 0x7F {
            var shift = 0
            length = 0x7F
            for _ in 0..<5 {
                guard index < block.count else { return false }
                let byte = block[index]
                index += 1
                length += Int(byte & 0x7F) << shift
                shift += 7
                if byte & 0x80 == 0 { break }
                if shift == 35 { return false }
            }
        }
        guard length <= block.count - index else { return false }
        index += length
        return true
    }
}
