import DubboWire
import InspectorCore
import Testing

/// The stream decoder under memory pressure: an incomplete frame can be given up (`evictBufferedFrame`), which
/// is how the pipeline enforces `Limits.maxBufferedFrameBytesTotal` over all connections.
@Suite("DubboStreamDecoder under hostile input")
struct DubboStreamHostileTests {
    static let body = [UInt8](repeating: 0x41, count: 1_000)
    static let big = FrameBytes.frame(flags: 0xC2, id: 7, body: body)

    @Test("an incomplete frame's memory is its bytes plus one time mark per delivery")
    func bufferedBytesCountsBytesAndMarks() {
        var feeder = Feeder()
        #expect(feeder.decoder.bufferedBytes == 0)
        feeder.feed(Array(Self.big[0..<300]), at: 1)
        let oneDelivery = feeder.decoder.bufferedBytes
        #expect(oneDelivery >= 300 && oneDelivery <= 300 + 32)
        feeder.feed(Array(Self.big[300..<400]), at: 2)
        #expect(feeder.decoder.bufferedBytes > 400 && feeder.decoder.bufferedBytes <= 400 + 64)
        feeder.feed(Array(Self.big[400...]), at: 3)
        #expect(feeder.decoder.bufferedBytes == 0)
        #expect(feeder.frames.map(\.state) == [.complete])
    }

    @Test("an evicted frame passes over its remaining bytes, is reported without body, and the next frame decodes")
    func evictedFrameIsSkippedExactly() {
        var feeder = Feeder()
        feeder.feed(Array(Self.big[0..<300]), at: 1)
        let held = feeder.decoder.bufferedBytes
        #expect(feeder.decoder.evictBufferedFrame() == held)
        #expect(feeder.decoder.bufferedBytes == 0)
        // The rest of the frame goes by unbuffered; the next frame is found in step, not by resync.
        feeder.feed(Array(Self.big[300...]), at: 2)
        #expect(feeder.decoder.bufferedBytes == 0)
        feeder.feed(FrameBytes.heartbeatRequest, at: 3)
        #expect(feeder.frames.map(\.id) == [7, 1])
        #expect(feeder.frames.map(\.state) == [.evicted, .complete])
        #expect(feeder.frames.first?.body == [])
        #expect(feeder.frames.first?.first == 1)
        #expect(feeder.frames.first?.last == 2)
        #expect(feeder.decoder.stats.framesEvicted == 1)
        #expect(feeder.decoder.stats.resyncs == 0)
        #expect(feeder.decoder.stats.framesTruncated == 0)
    }

    @Test("an evicted frame cut by the end of the stream is still counted as evicted, not truncated")
    func evictedFrameAtEndOfStream() {
        var feeder = Feeder()
        feeder.feed(Array(Self.big[0..<300]), at: 1)
        _ = feeder.decoder.evictBufferedFrame()
        feeder.finish(at: 5)
        #expect(feeder.frames.map(\.state) == [.evicted])
        #expect(feeder.decoder.stats.framesEvicted == 1)
        #expect(feeder.decoder.stats.framesTruncated == 0)
    }

    @Test("evicting a partial header skips its bytes and looks for the next header")
    func evictedPartialHeaderResyncs() {
        var feeder = Feeder()
        feeder.feed(Array(FrameBytes.request1[0..<10]), at: 1)
        #expect(feeder.decoder.evictBufferedFrame() > 0)
        #expect(feeder.decoder.stats.skippedBytes == 10)
        feeder.feed(Array(FrameBytes.request1[10...]) + FrameBytes.request2, at: 2)
        #expect(feeder.frames.map(\.id) == [4])
        #expect(feeder.frames.first?.resync == true)
    }

    @Test("with nothing held, eviction does nothing")
    func evictingNothing() {
        var feeder = Feeder()
        #expect(feeder.decoder.evictBufferedFrame() == 0)
        feeder.feed(FrameBytes.heartbeatRequest)
        #expect(feeder.decoder.evictBufferedFrame() == 0)
        #expect(feeder.decoder.stats.framesEvicted == 0)
        #expect(feeder.frames.map(\.state) == [.complete])
    }
}
