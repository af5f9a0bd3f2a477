import InspectorCore
import Testing

@Suite("CaptureTime as ISO 8601")
struct CivilTimeTests {
    @Test("UTC with microseconds, before and after the epoch")
    func iso8601() {
        #expect(CaptureTime(seconds: 1_795_303_779, nanoseconds: 317_596_999).iso8601 == "2026-11-21T23:29:39.317596Z")
        #expect(CaptureTime(nanosecondsSinceEpoch: -1_500).iso8601 == "1969-12-31T23:59:59.999998Z")
        #expect(CaptureTime.zero.iso8601 == "1970-01-01T00:00:00.000000Z")
    }
}
