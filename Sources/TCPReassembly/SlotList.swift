/// An intrusive doubly linked list of slot numbers: O(1) append, unlink and move-to-back, no allocation once
/// the link arrays have grown to the table's size.
///
/// The flow table keeps two: connections by recency (front = least recently active, evicted first) and
/// connections holding buffered bytes (front = buffering longest, given up first under memory pressure).
struct SlotList {
    private struct Links {
        var previous = -1
        var next = -1
        var isMember = false
    }

    private var links: [Links] = []
    private var head = -1
    private var tail = -1
    private(set) var count = 0

    /// The front slot, if any.
    var first: Int? { head >= 0 ? head : nil }

    func contains(_ slot: Int) -> Bool {
        slot >= 0 && slot < links.count && links[slot].isMember
    }

    /// Slot after `slot` towards the back.
    func slot(after slot: Int) -> Int? {
        guard contains(slot) else { return nil }
        let next = links[slot].next
        return next >= 0 ? next : nil
    }

    /// Appends `slot` at the back (moving it there if it is already a member).
    mutating func append(_ slot: Int) {
        guard slot >= 0 else { return }
        if slot >= links.count {
            links.append(contentsOf: repeatElement(Links(), count: slot + 1 - links.count))
        }
        if links[slot].isMember {
            guard tail != slot else { return }
            remove(slot)
        }
        links[slot] = Links(previous: tail, next: -1, isMember: true)
        if tail >= 0 { links[tail].next = slot } else { head = slot }
        tail = slot
        count += 1
    }

    /// Unlinks `slot`; nothing happens if it is not a member.
    mutating func remove(_ slot: Int) {
        guard contains(slot) else { return }
        let link = links[slot]
        if link.previous >= 0 { links[link.previous].next = link.next } else { head = link.next }
        if link.next >= 0 { links[link.next].previous = link.previous } else { tail = link.previous }
        links[slot] = Links()
        count -= 1
    }
}
