import DubboWire
import Hessian2
import InspectorCore
import Testing

/// Bodies that once broke an invariant of the fuzz targets, kept with their bytes (Fuzz/Corpus/hessian holds them too).
@Suite("DubboWire regressions from hostile input")
struct DubboWireHostileRegressionTests {
    static func decode(_ body: [UInt8], flags: UInt8, status: UInt8, depth: DubboBodyDecoder.Depth) -> DubboBody {
        let header = DubboFrameHeader(flags: flags, status: status, requestID: 1, bodyLength: Int32(body.count))
        let info = DubboFrameInfo(
            header: header, streamOffset: 0, firstByteTime: .zero, lastByteTime: .zero, bodyState: .complete,
            foundByResync: false)
        var decoder = DubboBodyDecoder(depth: depth)
        return body.withUnsafeBufferPointer { decoder.decode(info, body: $0.span) }
    }

    /// FuzzHessian `crash-a489431f…`, minimised to 13 bytes: mode 0x80 (a Dubbo body), limits 0x44, flags 0x62
    /// (an event response, Hessian2), status 0x55, then the body `D ff ff 00 62 62 22 62 62` — one double whose
    /// bits are a NaN. NaN is not equal to itself, so `==` said the two decodings differed; the decoder was right.
    @Test("fuzz hessian-nan-event: an event carrying a NaN double decodes bit for bit the same at both depths")
    func nanEventIsStable() throws {
        let body: [UInt8] = [0x44, 0xFF, 0xFF, 0x00, 0x62, 0x62, 0x22, 0x62, 0x62]
        for depth in [DubboBodyDecoder.Depth.full, .metadata] {
            let decoded = Self.decode(body, flags: 0x62, status: 0x55, depth: depth)
            guard case .event(.double(let value)?) = decoded else {
                Issue.record("\(depth): not an event carrying a double: \(decoded)")
                continue
            }
            #expect(value.isNaN)
            #expect(value.bitPattern == 0xFFFF_0062_6222_6262)
            // NaN has no JSON number: it is written as null, so the record stays valid JSON.
            #expect(HessianValue.double(value).jsonString == "null")
        }
    }
}
