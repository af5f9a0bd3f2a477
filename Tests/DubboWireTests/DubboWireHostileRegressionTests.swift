import DubboWire
import Hessian2
import InspectorCore
import Testing
import TestSupport

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

    /// FuzzJSONB `crash-adb2e25c…`: a fastjson2 request (flags 0xd7, status 0) cut after 504 bytes, here the first
    /// 217 of them. Its fifth part, the parameter descriptor, is malformed (`…Ljava/la\u{b2}ng/String;…[I`), and
    /// that early return skipped setting `isPartial`, so a cut-off request was reported as a whole one.
    @Test("fuzz jsonb-cut-malformed-descriptor: a cut fastjson2 request with a malformed descriptor is still partial")
    func cutFastJSON2RequestWithMalformedDescriptorIsPartial() {
        let head = TestSupport.hex("""
            000000064e322e302e32000000226a6f72672e6170616368652e647562626f2e64656d6f2e44656d6f53657276696365
            000000064e312e302e30000000064e7465787473000000837938804c6a6176612f6c616e672f537472696e673b4c6a61
            76612f6c616e672f537472696e673b4c6a6176612f6c616e672f537472696e673b4c6a6176612f6c616e672f53747269
            6e673b4c6a6176612f6c616e672f537472696e673b4c6a6176612f6c61b26e672f537472696e673b4c6a6c612f76616e
            61672f537472696e673b5b49000000034b48e90000003f7938
            """)
        let header = DubboFrameHeader(flags: 0xD7, status: 0, requestID: 1, bodyLength: 871)
        let info = DubboFrameInfo(
            header: header, streamOffset: 0, firstByteTime: .zero, lastByteTime: .zero, bodyState: .truncated,
            foundByResync: false)
        for depth in [DubboBodyDecoder.Depth.full, .metadata, .argumentsOnDemand] {
            var decoder = DubboBodyDecoder(depth: depth)
            let decoded = head.withUnsafeBufferPointer { decoder.decode(info, body: $0.span) }
            guard case .request(let request) = decoded else {
                Issue.record("\(depth): not a request: \(decoded)")
                continue
            }
            #expect(request.isPartial)
            #expect(request.service == "org.apache.dubbo.demo.DemoService")
            #expect(request.method == "texts")
            #expect(request.decodeError?.hasPrefix("malformed parameter descriptor") == true)
            #expect(request.arguments.isEmpty)
        }
    }
}
