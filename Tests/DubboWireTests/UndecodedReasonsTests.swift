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
    }
}
