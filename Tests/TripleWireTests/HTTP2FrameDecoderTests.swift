import InspectorCore
import Testing
@testable import TripleWire

@Suite("HTTP/2 frame decoder")
struct HTTP2FrameDecoderTests {
    struct Seen: Equatable {
        var type: FrameType
        var stream: UInt32
        var payload: [UInt8]
        var state: HTTP2Frame.PayloadState
        var followsLoss: Bool
    }

    static func decode(
        _ pieces: [[UInt8]], gaps: [Int: Int] = [:], preface: Bool = true, midstream: Bool = false, maxPayload: Int = 1 << 20
    ) -> (frames: [Seen], stats: HTTP2StreamStats) {
        var decoder = HTTP2FrameDecoder(maxPayload: maxPayload, expectsPreface: preface, midstream: midstream)
        var seen: [Seen] = []
        let handler: HTTP2FrameDecoder.FrameHandler = { frame, payload in
            let bytes = payload.withUnsafeBufferPointer { Array($0) }
            seen.append(Seen(type: frame.header.type, stream: frame.header.streamID, payload: bytes,
                             state: frame.payloadState, followsLoss: frame.followsLoss))
        }
        for (index, piece) in pieces.enumerated() {
            if let gap = gaps[index] { decoder.gap(length: gap, time: H2.time(Int64(index)), handler) }
            piece.withUnsafeBufferPointer { decoder.receive($0.span, time: H2.time(Int64(index)), handler) }
        }
        decoder.finish(time: H2.time(99), handler)
        return (seen, decoder.stats)
    }

    static let stream: [UInt8] = HTTP2FrameHeader.clientPreface + H2.settings
        + H2.frame(.headers, flags: 0x4, stream: 1, [0x82, 0x86])
        + H2.frame(.data, flags: 0x9, stream: 1, [2, 0xAA, 0xBB, 0, 0])  // padded: 2 bytes of padding
        + H2.frame(FrameType(rawValue: 0xEE), stream: 0, [1, 2, 3])       // an extension frame
        + H2.frame(.ping, stream: 0, [1, 2, 3, 4, 5, 6, 7, 8])

    @Test("frames come out the same however TCP cut the bytes")
    func splitAnywhere() {
        let whole = Self.decode([Self.stream])
        #expect(whole.frames.map(\.type) == [.settings, .headers, .data, FrameType(rawValue: 0xEE), .ping])
        #expect(whole.stats.unknownFrames == 1)
        let bytewise = Self.decode(Self.stream.map { [$0] })
        #expect(bytewise.frames == whole.frames)
        for cut in stride(from: 1, to: Self.stream.count, by: 5) {
            let pieces = [Array(Self.stream[..<cut]), Array(Self.stream[cut...])]
            #expect(Self.decode(pieces).frames == whole.frames, "cut at \(cut)")
        }
    }

    @Test("a gap inside a frame of known length is skipped exactly; the next frame keeps the HPACK table")
    func gapInsideFrameSkippedExactly() {
        let data = H2.frame(.data, stream: 1, Array(repeating: 7, count: 100))
        let next = H2.frame(.headers, flags: 0x5, stream: 1, [0x88])
        let pieces = [HTTP2FrameHeader.clientPreface + Array(data[..<30]), Array(data[60...]) + next]
        let result = Self.decode(pieces, gaps: [1: 30])
        #expect(result.frames.map(\.type) == [.data, .headers])
        #expect(result.frames[0].state == .gap)
        #expect(result.frames[1].followsLoss == false)
        #expect(result.stats.gapBytes == 30 && result.stats.resyncs == 0)
    }

    @Test("a gap past a frame's end loses the place: frames are found again by scanning, flagged as following a loss")
    func gapAcrossFramesResynchronises() {
        let first = H2.frame(.data, stream: 1, Array(repeating: 7, count: 20))
        let lost = H2.frame(.data, stream: 3, Array(repeating: 9, count: 40))
        let after = H2.frame(.data, stream: 5, [1, 2, 3]) + H2.frame(.windowUpdate, stream: 0, [0, 0, 1, 0])
        let pieces = [HTTP2FrameHeader.clientPreface + Array(first[..<10]), Array(lost[25...]) + after]
        let result = Self.decode(pieces, gaps: [1: first.count - 10 + 25])
        #expect(result.frames.map(\.stream) == [1, 5, 0])
        #expect(result.frames[1].followsLoss && !result.frames[2].followsLoss)
        #expect(result.stats.resyncs == 1)
        #expect(result.stats.skippedBytes == Int64(lost.count - 25))
    }

    @Test("picked up mid-frame: leading bytes skipped, two plausible headers in a row accepted")
    func midstreamStart() {
        let tail = Array(H2.frame(.data, stream: 7, Array(repeating: 0x41, count: 30))[12...])
        let frames = H2.frame(.headers, flags: 0x4, stream: 9, [0x82]) + H2.frame(.data, flags: 1, stream: 9, [0, 0, 0, 0, 0])
        let result = Self.decode([tail + frames], preface: false, midstream: true)
        #expect(result.frames.map(\.type) == [.headers, .data])
        #expect(result.frames[0].followsLoss)
    }

    @Test("a payload over the limit is not buffered: the frame is reported without it and the next one decodes")
    func oversizedFrameSkipped() {
        let big = H2.frame(.data, stream: 1, Array(repeating: 1, count: 5_000))
        let small = H2.frame(.data, stream: 1, [1])
        let pieces = [HTTP2FrameHeader.clientPreface + Array(big[..<2_000]), Array(big[2_000...]) + small]
        let result = Self.decode(pieces, maxPayload: 1_000)
        #expect(result.frames.map(\.state) == [.tooLarge, .complete])
        #expect(result.frames[0].payload.isEmpty && result.frames[1].payload == [1])
        #expect(result.stats.oversizedFrames == 1)
    }

    @Test("a frame cut by the end of the capture is reported truncated")
    func truncatedAtEnd() {
        let data = H2.frame(.data, stream: 1, Array(repeating: 1, count: 50))
        let result = Self.decode([HTTP2FrameHeader.clientPreface + Array(data[..<20])])
        #expect(result.frames.map(\.state) == [.truncated])
    }

    @Test("random bytes never produce frames and never hang")
    func randomBytesAreSkipped() {
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<20_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let result = Self.decode(stride(from: 0, to: noise.count, by: 1_000).map { Array(noise[$0..<min($0 + 1_000, noise.count)]) },
                                 preface: false, midstream: true)
        #expect(result.stats.skippedBytes + Int64(result.frames.reduce(0) { $0 + 9 + $1.payload.count }) <= 20_000)
    }
}

@Suite("protocol detection")
struct WireDetectionTests {
    static func judge(_ bytes: [UInt8], fromStart: Bool, initiator: Bool = true) -> WireDetection? {
        bytes.withUnsafeBufferPointer { WireDetection.judge($0.span, fromStart: fromStart, initiator: initiator) }
    }

    @Test("the client preface means Triple, 0xdabb means dubbo, anything else stays with the dubbo decoder")
    func firstBytes() {
        #expect(Self.judge(HTTP2FrameHeader.clientPreface, fromStart: true) == .triple)
        #expect(Self.judge(Array(HTTP2FrameHeader.clientPreface[..<6]), fromStart: true) == .triple)
        #expect(Self.judge([0xDA, 0xBB, 0xC2, 0], fromStart: true) == .dubbo)
        #expect(Self.judge(Array("GET / HTTP/1.1\r\n".utf8), fromStart: true) == .other)
        #expect(Self.judge([0x50], fromStart: true) == nil)
    }

    @Test("mid-stream, plausible HTTP/2 frame headers mean Triple; the server's side opens with SETTINGS")
    func plausibleFrames() {
        let frames = H2.frame(.data, stream: 3, [0, 0, 0, 0, 1, 9]) + H2.frame(.windowUpdate, stream: 0, [0, 0, 0, 6])
        #expect(Self.judge(frames, fromStart: false) == .triple)
        #expect(Self.judge(H2.frame(.settings, stream: 0, [0, 4, 0, 1, 0, 0]) + H2.frame(.settings, flags: 1, stream: 0),
                           fromStart: true, initiator: false) == .triple)
        #expect(Self.judge(frames, fromStart: true, initiator: false) == .other)
        #expect(Self.judge(Array("hello world, not http/2 at all".utf8), fromStart: false) == .other)
        // One plausible header whose frame runs past the delivery is not enough mid-stream: wait for the next one.
        #expect(Self.judge(Array(H2.frame(.data, stream: 3, Array(repeating: 0, count: 100))[..<40]), fromStart: false) == nil)
        #expect(Self.judge(H2.frame(.settings, stream: 0, [0, 4, 0, 1, 0, 0]), fromStart: true, initiator: false) == .triple)
    }
}
