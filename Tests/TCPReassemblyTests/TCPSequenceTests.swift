import TCPReassembly
import Testing

@Suite("TCPSequence")
struct TCPSequenceTests {
    @Test("distance is signed and survives the 2^32 wrap")
    func distanceAcrossWrap() {
        let beforeWrap = TCPSequence(0xFFFF_FFF0)
        let afterWrap = TCPSequence(0x10)
        #expect(beforeWrap.distance(to: afterWrap) == 0x20)
        #expect(afterWrap.distance(to: beforeWrap) == -0x20)
        #expect(beforeWrap.precedes(afterWrap))
        #expect(!afterWrap.precedes(beforeWrap))
    }

    @Test("advancing wraps modulo 2^32 in both directions")
    func advancingWraps() {
        #expect(TCPSequence(0xFFFF_FFFF).advanced(by: 1) == TCPSequence(0))
        #expect(TCPSequence(5).advanced(by: -10) == TCPSequence(0xFFFF_FFFB))
        #expect(TCPSequence(7).advanced(by: 0) == TCPSequence(7))
    }

    @Test("a number does not precede itself")
    func notBeforeItself() {
        #expect(!TCPSequence(42).precedes(TCPSequence(42)))
        #expect(TCPSequence(42).distance(to: TCPSequence(42)) == 0)
    }

    @Test("order follows serial arithmetic, not the raw value")
    func serialOrderNotRaw() {
        // 0x8000_0001 is raw-larger than 2 but, half the space away the other way, it is before it.
        #expect(TCPSequence(0x8000_0003).precedes(TCPSequence(2)))
        #expect(TCPSequence(1).precedes(TCPSequence(0x7FFF_FFFF)))
    }
}
