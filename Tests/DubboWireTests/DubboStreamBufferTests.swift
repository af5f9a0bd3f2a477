import DubboWire
import InspectorCore
import Testing

/// What a frame that spans deliveries costs: only its own bytes are buffered, and the memory goes when it is done.
@Suite("DubboStreamDecoder buffering")
struct DubboStreamBufferTests {
    @Test("a spanning frame takes only the bytes it needs; the frames after it in the same delivery are still found")
    func spanningFrameThenInPlace() {
        let first = FrameBytes.request1
        let rest = FrameBytes.heartbeatRequest + FrameBytes.request2
        var feeder = Feeder()
        feeder.feed(Array(first.prefix(40)), at: 1)
        #expect(feeder.decoder.bufferedBytes >= 40)
        // The end of the first frame and two whole frames arrive together.
        feeder.feed(Array(first.dropFirst(40)) + rest, at: 2)
        #expect(feeder.frames.map(\.id) == [3, 1, 4])
        #expect(feeder.frames.map(\.offset) == [0, Int64(first.count), Int64(first.count + FrameBytes.heartbeatRequest.count)])
        #expect(feeder.frames.map(\.first) == [1, 2, 2])
        #expect(feeder.frames.map(\.last) == [2, 2, 2])
        #expect(feeder.frames[0].body == Array(first.dropFirst(16)))
        #expect(feeder.frames[2].body == Array(FrameBytes.request2.dropFirst(16)))
        // Nothing is held once the spanning frame is complete.
        #expect(feeder.decoder.bufferedBytes == 0)
    }

    @Test("a header split over three deliveries, then its body over two, is one frame with the right times")
    func headerAndBodyInPieces() {
        let frame = FrameBytes.request2
        var feeder = Feeder()
        feeder.feed(Array(frame[0..<5]), at: 10)
        feeder.feed(Array(frame[5..<12]), at: 20)
        feeder.feed(Array(frame[12..<30]), at: 30)
        #expect(feeder.frames.isEmpty)
        feeder.feed(Array(frame[30...]) + FrameBytes.heartbeatRequest.prefix(3), at: 40)
        #expect(feeder.frames.map(\.id) == [4])
        #expect(feeder.frames.first?.first == 10)
        #expect(feeder.frames.first?.last == 40)
        #expect(feeder.frames.first?.body == Array(frame.dropFirst(16)))
        // The three bytes of the next header are all that is held (plus one time mark).
        #expect(feeder.decoder.bufferedBytes > 0)
        feeder.feed(Array(FrameBytes.heartbeatRequest.dropFirst(3)), at: 50)
        #expect(feeder.frames.map(\.id) == [4, 1])
        #expect(feeder.decoder.bufferedBytes == 0)
    }
}
