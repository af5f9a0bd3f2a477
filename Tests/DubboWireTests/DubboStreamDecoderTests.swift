import DubboWire
import InspectorCore
import Testing

/// A frame as the tests compare it: header fields, where it was found, and a copy of its body.
struct SeenFrame: Equatable, CustomStringConvertible {
    var id: Int64
    var offset: Int64
    var state: DubboFrameInfo.BodyState
    var resync: Bool
    var body: [UInt8]
    var first: Int64
    var last: Int64

    var description: String { "#\(id)@\(offset) \(state) resync=\(resync) body=\(body.count)B t=\(first)…\(last)" }
}

struct Feeder {
    var decoder: DubboStreamDecoder
    var frames: [SeenFrame] = []

    init(maxBody: Int = 8 << 20, midstream: Bool = false) {
        decoder = DubboStreamDecoder(maxBodyLength: maxBody, midstream: midstream)
    }

    mutating func feed(_ bytes: [UInt8], at time: Int64 = 0) {
        var seen: [SeenFrame] = []
        bytes.withUnsafeBufferPointer { pointer in
            decoder.receive(pointer.span, time: CaptureTime(nanosecondsSinceEpoch: time)) { info, body in
                seen.append(Self.record(info, body))
            }
        }
        frames += seen
    }

    mutating func gap(_ length: Int, at time: Int64 = 0) {
        var seen: [SeenFrame] = []
        decoder.gap(length: length, time: CaptureTime(nanosecondsSinceEpoch: time)) { seen.append(Self.record($0, $1)) }
        frames += seen
    }

    mutating func finish(at time: Int64 = 0) {
        var seen: [SeenFrame] = []
        decoder.finish(time: CaptureTime(nanosecondsSinceEpoch: time)) { seen.append(Self.record($0, $1)) }
        frames += seen
    }

    static func record(_ info: DubboFrameInfo, _ body: Span<UInt8>) -> SeenFrame {
        var copy: [UInt8] = []
        for index in body.indices { copy.append(body[index]) }
        return SeenFrame(
            id: info.header.requestID, offset: info.streamOffset, state: info.bodyState, resync: info.foundByResync,
            body: copy, first: info.firstByteTime.nanosecondsSinceEpoch, last: info.lastByteTime.nanosecondsSinceEpoch)
    }
}

@Suite("DubboStreamDecoder")
struct DubboStreamDecoderTests {
    static let stream = FrameBytes.request1 + FrameBytes.heartbeatRequest + FrameBytes.responseWithAttachments
        + FrameBytes.request2 + FrameBytes.serviceError + FrameBytes.readOnlyEvent

    @Test("the same frames whatever the split", arguments: [1, 2, 3, 5, 7, 15, 16, 17, 31, 100, 1000])
    func splitsDoNotChangeFrames(chunk: Int) {
        var whole = Feeder()
        whole.feed(Self.stream)
        var pieces = Feeder()
        var start = 0
        while start < Self.stream.count {
            let end = min(start + chunk, Self.stream.count)
            pieces.feed(Array(Self.stream[start..<end]))
            start = end
        }
        #expect(whole.frames.map(\.id) == [3, 1, 3, 4, 7, 2])
        #expect(pieces.frames.map(\.id) == whole.frames.map(\.id))
        #expect(pieces.frames.map(\.body) == whole.frames.map(\.body))
        #expect(pieces.frames.map(\.offset) == whole.frames.map(\.offset))
        #expect(pieces.frames.allSatisfy { $0.state == .complete && !$0.resync })
        #expect(pieces.decoder.stats.skippedBytes == 0)
    }

    @Test("a header split at every byte is found, with the times of the first and last packets")
    func headerSplitAtEveryByte() {
        for split in 1..<16 {
            var feeder = Feeder()
            feeder.feed(Array(FrameBytes.legacyValueResponse[..<split]), at: 100)
            feeder.feed(Array(FrameBytes.legacyValueResponse[split...]), at: 200)
            #expect(feeder.frames.count == 1)
            #expect(feeder.frames.first?.first == 100)
            #expect(feeder.frames.first?.last == 200)
            #expect(feeder.frames.first?.body == [0x91, 0x91])
        }
    }

    @Test("a gap inside a body skips exactly the rest of that frame")
    func gapInsideBodySkipsExactly() {
        var feeder = Feeder()
        let first = FrameBytes.request1  // 16 + 182 bytes
        feeder.feed(Array(first[..<60]), at: 1)
        feeder.gap(50, at: 2)
        feeder.feed(Array(first[110...]) + FrameBytes.request2, at: 3)
        #expect(feeder.frames.map(\.id) == [3, 4])
        #expect(feeder.frames[0].state == .gap)
        // What arrived of the body before the gap is lent as its head, for the names it holds.
        #expect(feeder.frames[0].body == Array(first[16..<60]))
        #expect(feeder.frames[0].first == 1 && feeder.frames[0].last == 3)
        #expect(feeder.frames[1].state == .complete && !feeder.frames[1].resync)
        #expect(feeder.frames[1].offset == Int64(first.count))
        #expect(feeder.decoder.stats.syncLosses == 0)
    }

    @Test("a gap that ends exactly at the end of a frame keeps the decoder in step")
    func gapEndingAtFrameEnd() {
        var feeder = Feeder()
        feeder.feed(Array(FrameBytes.request1[..<40]))
        feeder.gap(FrameBytes.request1.count - 40)
        feeder.feed(FrameBytes.request2)
        #expect(feeder.frames.map(\.state) == [.gap, .complete])
        #expect(feeder.frames[1].resync == false)
    }

    @Test("a gap in a body that also swallows the next header leads to a resync")
    func gapPastFrameEndResyncs() {
        var feeder = Feeder()
        let stream = FrameBytes.request1 + FrameBytes.request2 + FrameBytes.responseWithAttachments
        feeder.feed(Array(stream[..<40]))
        let resume = FrameBytes.request1.count + 20  // inside request2
        feeder.gap(resume - 40)
        feeder.feed(Array(stream[resume...]))
        #expect(feeder.frames.map(\.id) == [3, 3])
        #expect(feeder.frames[0].state == .gap)
        #expect(feeder.frames[1].resync)
        #expect(feeder.frames[1].offset == Int64(FrameBytes.request1.count + FrameBytes.request2.count))
        #expect(feeder.decoder.stats.syncLosses == 1)
        #expect(feeder.decoder.stats.resyncs == 1)
    }

    @Test("a gap at a frame boundary loses the next header: resync")
    func gapAtBoundaryResyncs() {
        var feeder = Feeder()
        feeder.feed(FrameBytes.request1)
        feeder.gap(FrameBytes.request2.count)
        feeder.feed(FrameBytes.serviceError)
        #expect(feeder.frames.map(\.id) == [3, 7])
        #expect(feeder.frames[1].resync)
    }

    @Test("a stream picked up mid-frame finds the next plausible header")
    func midstreamStart() {
        var feeder = Feeder(midstream: true)
        let stream = FrameBytes.request1 + FrameBytes.responseWithAttachments
        feeder.feed(Array(stream[50...]))
        #expect(feeder.frames.map(\.id) == [3])
        #expect(feeder.frames[0].resync)
        #expect(feeder.decoder.stats.skippedBytes == Int64(FrameBytes.request1.count - 50))
    }

    @Test("telnet text before the first frame is skipped and counted, not a loss of sync")
    func telnetBeforeFrames() {
        var feeder = Feeder()
        let text = Array("ls\r\n".utf8)
        feeder.feed(text + FrameBytes.request2)
        #expect(feeder.frames.map(\.id) == [4])
        #expect(feeder.frames[0].resync == false)
        #expect(feeder.decoder.stats.skippedBytes == Int64(text.count))
        #expect(feeder.decoder.stats.syncLosses == 0)
    }

    @Test("non-Dubbo bytes produce no frames and stay bounded")
    func nonDubboStream() {
        var feeder = Feeder()
        let http = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        for _ in 0..<1000 { feeder.feed(http) }
        feeder.finish()
        #expect(feeder.frames.isEmpty)
        #expect(feeder.decoder.stats.skippedBytes == Int64(http.count * 1000))
    }

    @Test("a body over the limit is reported without being buffered, and the next frame decodes")
    func oversizedBodySkipped() {
        var feeder = Feeder(maxBody: 100)
        let big = FrameBytes.frame(flags: 0xC2, id: 9, body: Array(repeating: 0x41, count: 5000))
        var offset = 0
        let stream = big + FrameBytes.request2
        while offset < stream.count {
            let end = min(offset + 1448, stream.count)
            feeder.feed(Array(stream[offset..<end]), at: Int64(offset))
            offset = end
        }
        #expect(feeder.frames.map(\.id) == [9, 4])
        #expect(feeder.frames[0].state == .tooLarge)
        // Never buffered whole: only its first `partialHeadLength` bytes are kept, as its head.
        #expect(feeder.frames[0].body == Array(repeating: 0x41, count: DubboStreamDecoder.partialHeadLength))
        #expect(feeder.frames[1].state == .complete)
        #expect(feeder.decoder.stats.framesTooLarge == 1)
    }

    @Test("a 2 GB length claim is skipped, never allocated")
    func hugeLengthClaim() {
        var feeder = Feeder()
        var header = FrameBytes.frame(flags: 0xC2, id: 1, body: [])
        header[12] = 0x7F; header[13] = 0xFF; header[14] = 0xFF; header[15] = 0xFF
        feeder.feed(header + Array(repeating: 0, count: 1000))
        feeder.finish()
        #expect(feeder.frames.map(\.state) == [.tooLarge])
    }

    @Test("a negative length means the place is lost")
    func negativeLength() {
        var feeder = Feeder()
        var bad = FrameBytes.frame(flags: 0xC2, id: 1, body: [])
        bad[12] = 0xFF
        feeder.feed(FrameBytes.request2 + bad + FrameBytes.serviceError)
        #expect(feeder.frames.map(\.id) == [4, 7])
        #expect(feeder.frames[1].resync)
        #expect(feeder.decoder.stats.syncLosses == 1)
    }

    @Test("a frame cut by the end of the stream is reported as truncated")
    func truncatedAtEnd() {
        var feeder = Feeder()
        feeder.feed(Array(FrameBytes.responseWithAttachments[..<34]), at: 5)
        feeder.finish(at: 9)
        #expect(feeder.frames.count == 1)
        #expect(feeder.frames[0].state == .truncated)
        #expect(feeder.frames[0].id == 3)
        #expect(feeder.decoder.stats.framesTruncated == 1)
    }

    @Test("a partial header at the end is counted as trailing bytes")
    func partialHeaderAtEnd() {
        var feeder = Feeder()
        feeder.feed(Array(FrameBytes.request2[..<10]))
        feeder.finish()
        #expect(feeder.frames.isEmpty)
        #expect(feeder.decoder.stats.trailingBytes == 10)
    }

    @Test("random bytes in random chunks never trap and never produce a frame it cannot back")
    func randomBytes() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            let count = Int(generator.next() % 600)
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if count > 20, generator.next() % 2 == 0 {
                // Plant a magic so the header paths run too.
                let at = Int(generator.next() % UInt64(count - 16))
                bytes[at] = 0xDA
                bytes[at + 1] = 0xBB
            }
            var feeder = Feeder(maxBody: 256, midstream: generator.next() % 2 == 0)
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + 1 + Int(generator.next() % 64))
                if generator.next() % 10 == 0 { feeder.gap(Int(generator.next() % 50) + 1) }
                feeder.feed(Array(bytes[start..<end]))
                start = end
            }
            feeder.finish()
            #expect(feeder.frames.allSatisfy { $0.state != .complete || $0.body.count <= 256 })
        }
    }
}

/// Deterministic generator for test data.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
