import InspectorCore
import NetworkLayers
import TCPReassembly
import TestSupport
import Testing

@Suite("TCPReassembler properties")
struct ReassemblerPropertyTests {
    /// A piece of the stream to send: `offset` into it and `length`.
    struct Piece {
        var offset: Int
        var length: Int
    }

    /// Cuts `count` bytes into random segments, then adds duplicates and re-cut overlapping retransmissions
    /// (same bytes, other boundaries), all shuffled.
    static func scrambledPieces(count: Int, using generator: inout SeededRandom) -> [Piece] {
        var pieces: [Piece] = []
        var offset = 0
        while offset < count {
            let length = min(count - offset, Int.random(in: 1...64, using: &generator))
            pieces.append(Piece(offset: offset, length: length))
            offset += length
        }
        let extra = pieces.count / 2
        for _ in 0..<extra {
            if Bool.random(using: &generator), let copy = pieces.randomElement(using: &generator) {
                pieces.append(copy)
            } else {
                let start = Int.random(in: 0..<count, using: &generator)
                let length = min(count - start, Int.random(in: 1...150, using: &generator))
                pieces.append(Piece(offset: start, length: length))
            }
        }
        pieces.shuffle(using: &generator)
        return pieces
    }

    @Test(
        "any permutation with duplicates and overlaps of a lossless stream reassembles to exactly the original",
        arguments: [1, 2, 3, 5, 8, 13, 21, 34, 55, 89] as [UInt64])
    func permutationsReassembleExactly(seed: UInt64) {
        var generator = SeededRandom(seed: seed)
        let count = Int.random(in: 500...4_000, using: &generator)
        let stream = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
        // Every other seed starts just before the wrap so the pieces cross zero.
        let isn: UInt32 = seed % 2 == 0 ? 0xFFFF_FF00 : UInt32.random(in: 0...UInt32.max, using: &generator)
        let pieces = Self.scrambledPieces(count: count, using: &generator)

        var reassembler = TCPReassembler(factory: RecordingFactory(), limits: Limits())
        reassembler.handshake(clientISN: isn)
        for (index, piece) in pieces.enumerated() {
            reassembler.feed(
                Peers.client, Peers.server, seq: isn &+ 1 &+ UInt32(piece.offset),
                Array(stream[piece.offset..<(piece.offset + piece.length)]), at: 10 + Int64(index))
        }
        reassembler.finish(time: .at(100_000))

        let log = reassembler.factory.log
        #expect(log.bytes(.initiatorToResponder) == stream)
        #expect(reassembler.stats.gaps == 0)
        #expect(reassembler.stats.inconsistentRetransmissions == 0)
        #expect(reassembler.stats.bytesDelivered == count)
        #expect(reassembler.stats.currentBufferedBytes == 0)
        #expect(log.closes.map(\.end) == [.endOfCapture])
    }

    @Test(
        "with a lost segment and tight buffer limits, delivered bytes plus gaps still account for every byte",
        arguments: [4, 7, 11] as [UInt64])
    func bytesPlusGapsCoverTheStream(seed: UInt64) {
        var generator = SeededRandom(seed: seed)
        let count = 3_000
        let stream = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var pieces = Self.scrambledPieces(count: count, using: &generator)
        // Lose every byte of one region: drop all pieces touching 1_000..<1_100.
        pieces.removeAll { $0.offset < 1_100 && $0.offset + $0.length > 1_000 }
        var limits = Limits()
        limits.maxBufferedBytesPerFlow = 700
        limits.maxBufferedSegmentsPerFlow = 20

        var reassembler = TCPReassembler(factory: RecordingFactory(), limits: limits)
        reassembler.handshake(clientISN: 0xFFFF_FFFF)
        for (index, piece) in pieces.enumerated() {
            reassembler.feed(
                Peers.client, Peers.server, seq: 0xFFFF_FFFF &+ 1 &+ UInt32(piece.offset),
                Array(stream[piece.offset..<(piece.offset + piece.length)]), at: 10 + Int64(index))
        }
        // The server acknowledges the whole stream: whatever is still missing was lost.
        reassembler.feed(Peers.server, Peers.client, seq: 5_001, ack: UInt32(truncatingIfNeeded: count), at: 50_000)

        let log = reassembler.factory.log
        var rebuilt: [UInt8?] = []
        for event in log.events {
            switch event {
            case .received(_, .initiatorToResponder, let bytes, _): rebuilt += bytes.map { $0 }
            case .gap(_, .initiatorToResponder, let length, _): rebuilt += Array(repeating: nil, count: length)
            default: break
            }
        }
        #expect(rebuilt.count == count)
        let mismatches = zip(rebuilt, stream).filter { got, want in got != nil && got != want }.count
        #expect(mismatches == 0)
        #expect(reassembler.stats.gapBytes >= 100)
        #expect(reassembler.stats.currentBufferedBytes == 0)
    }
}
