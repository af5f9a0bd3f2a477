import Testing

@testable import DubboWire

@Suite("Undecoded bodies by reason")
struct UndecodedReasonsTests {
    @Test("offsets and standalone numbers go, type bytes and names with digits stay", arguments: [
        ("hessian: string of 9000 chars too long at offset 12", "hessian: string of N chars too long"),
        ("hessian: unknown tag 0x4f at offset 3", "hessian: unknown tag 0x4f"),
        ("jsonb: unknown type 0xfe at offset 0", "jsonb: unknown type 0xfe"),
        ("hessian: reference to unknown value #12 at offset 40", "hessian: reference to unknown value #N"),
        ("hessian: invalid UTF-8 in string at offset 7", "hessian: invalid UTF-8 in string"),
        ("17 bytes after the attachments", "N bytes after the attachments"),
        ("serializeType hessian2 is not decoded", "serializeType hessian2 is not decoded"),
        ("jsonb: GB18030 string not convertible at offset 5", "jsonb: GB18030 string not convertible"),
        ("malformed parameter descriptor \"L;\"", "malformed parameter descriptor \"L;\""),
        ("malformed fastjson line 3", "malformed fastjson line N"),
        ("at offset 12", "at offset N"),
        ("", ""),
    ])
    func reason(error: String, expected: String) {
        #expect(UndecodedReasons.reason(error) == expected)
    }

    @Test("counts by reason, most frequent first; past the cap new reasons share one line")
    func counting() {
        var reasons = UndecodedReasons()
        let heartbeat = reasons.count(.heartbeat)
        let missing = reasons.count(.missing)
        #expect(!heartbeat && !missing && reasons.total == 0)
        let unsupported = reasons.count(.undecoded("serialization 99 is not decoded"))
        #expect(unsupported)
        var response = DubboResponseBody()
        response.decodeError = "unknown result flag 9"
        reasons.count(.response(response))
        response.decodeError = "unknown result flag 12"
        reasons.count(.response(response))
        #expect(reasons.total == 3)
        #expect(reasons.top(1).map(\.reason) == ["unknown result flag N"] && reasons.top(1).first?.count == 2)

        for index in 0..<(UndecodedReasons.maxReasons + 5) { reasons.add("reason \(index)x") }
        #expect(reasons.counts.count == UndecodedReasons.maxReasons + 1)
        #expect(reasons.counts[UndecodedReasons.otherReason] == 7)
        #expect(reasons.total == 3 + UndecodedReasons.maxReasons + 5)

        var merged = UndecodedReasons()
        merged.merge(reasons)
        #expect(merged.total == reasons.total)
        // A full set merged into an empty one loses nothing (the other reasons stay other, not a reason of their own).
        #expect(merged == reasons)
    }

    @Test("merging more reasons than are kept keeps the most frequent, whatever the dictionaries' order")
    func mergeOrder() {
        var first = UndecodedReasons()
        var second = UndecodedReasons()
        for index in 0..<UndecodedReasons.maxReasons { first.add("rare \(index)x") }
        for index in 0..<UndecodedReasons.maxReasons { second.add("common \(index)x", times: 2 + index) }
        second.add(UndecodedReasons.otherReason, times: 5)
        var merged = first
        merged.merge(second)
        // `first` already holds 32 reasons: all of `second`'s go to other.
        #expect(merged.counts.count == UndecodedReasons.maxReasons + 1)
        #expect(merged.total == first.total + second.total)
        var fresh = UndecodedReasons()
        fresh.add("rare 0x")
        fresh.merge(second)
        // One slot taken: the 31 most frequent of `second` join it, its least frequent and its own other go to other.
        #expect(fresh.counts["rare 0x"] == 1)
        #expect(fresh.counts["common 31x"] == 33 && fresh.counts["common 1x"] == 3)
        #expect(fresh.counts["common 0x"] == nil)
        #expect(fresh.counts[UndecodedReasons.otherReason] == 2 + 5)
        // The same every time: 50 merges of copies give one answer.
        for _ in 0..<50 {
            var again = UndecodedReasons()
            again.add("rare 0x")
            again.merge(second)
            #expect(again == fresh)
        }
    }
}
