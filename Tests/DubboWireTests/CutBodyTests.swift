import DubboWire
import Hessian2
import InspectorCore
import Testing

/// Bodies cut off in the capture: the captured head gives the fields whole in it, nothing more (`partial_body`).
@Suite struct CutBodyTests {
    static func decode(_ frame: [UInt8], head length: Int, state: DubboFrameInfo.BodyState = .gap, depth: DubboBodyDecoder.Depth = .full) -> DubboBody {
        let header = DubboFrameHeader(
            flags: frame[2], status: frame[3], requestID: 1, bodyLength: Int32(frame.count - DubboFrameHeader.size))
        let info = DubboFrameInfo(header: header, streamOffset: 0, firstByteTime: .zero, lastByteTime: .zero,
                                  bodyState: state, foundByResync: false)
        let head = Array(frame[DubboFrameHeader.size...].prefix(length))
        var decoder = DubboBodyDecoder(depth: depth)
        return head.withUnsafeBufferPointer { decoder.decode(info, body: $0.span) }
    }

    @Test func everyCutOfAHessianRequestGivesOnlyWholeFieldsAndTheWholeBodyAgrees() {
        let frame = FrameBytes.request1
        var decoder = DubboBodyDecoder()
        let whole = FrameBytes.frame(flags: frame[2], id: 1, body: Array(frame[16...]))
        guard case .request(let full) = whole.withUnsafeBufferPointer({ pointer in
            decoder.decode(DubboFrameInfo(header: DubboFrameHeader(flags: frame[2], status: 0, requestID: 1,
                                                                   bodyLength: Int32(frame.count - 16)),
                                          streamOffset: 0, firstByteTime: .zero, lastByteTime: .zero,
                                          bodyState: .complete, foundByResync: false),
                           body: pointer.span.extracting(16...))
        }) else {
            Issue.record("not a request")
            return
        }
        var fieldsSeen = 0
        for length in 1..<(frame.count - 16) {
            for depth in [DubboBodyDecoder.Depth.full, .argumentsOnDemand, .metadata] {
                guard case .request(let cut) = Self.decode(frame, head: length, depth: depth) else {
                    Issue.record("a cut request is not a request")
                    return
                }
                #expect(cut.isPartial && cut.decodeError == nil)
                #expect(cut.dubboVersion == nil || cut.dubboVersion == full.dubboVersion)
                #expect(cut.service == nil || cut.service == full.service)
                #expect(cut.method == nil || cut.method == full.method)
                #expect(cut.parameterDescriptor == nil || cut.parameterDescriptor == full.parameterDescriptor)
                #expect(cut.attachments == nil || cut.attachments == full.attachments)
                // At argumentsOnDemand the head is kept (at most 4 KiB) and gives the same arguments later.
                var later = DubboBodyDecoder(depth: depth)
                let arguments = cut.argumentsDecoded ? cut.arguments : later.arguments(of: cut)
                if depth == .argumentsOnDemand, cut.parameterDescriptor != nil, cut.parameterDescriptor != "" {
                    #expect(cut.keptBody == Array(frame[16...].prefix(length)))
                } else {
                    #expect(cut.keptBody == nil)
                }
                if let arguments { #expect(Array(full.arguments.prefix(arguments.count)) == arguments) }
                if depth == .metadata { #expect(!cut.argumentsDecoded || cut.parameterDescriptor == "") }
                if depth == .full, cut.method != nil { fieldsSeen += 1 }
            }
        }
        #expect(fieldsSeen > 0)
    }

    @Test func aCutHessianExceptionStillNamesItsClass() {
        // Flag 0x90 (0), then an object whose class definition opens it: 'C', the name, field count, names, 'O'…
        let name = Array("java.lang.IllegalStateException".utf8)
        let body: [UInt8] = [0x90, 0x43, UInt8(name.count)] + name + [0x91, 0x0D] + Array("detailMessage".utf8) + [0x60, 0x04]
        let frame = FrameBytes.frame(flags: 0x02, status: 20, id: 1, body: body + Array("boom".utf8))
        guard case .response(let response) = Self.decode(frame, head: body.count + 1, state: .truncated) else {
            Issue.record("not a response")
            return
        }
        #expect(response.isPartial && response.decodeError == nil)
        #expect(response.resultFlag == .exception && response.exceptionSummary == "java.lang.IllegalStateException")
    }

    @Test func aCutFastJSONResponseWithABrokenLineIsPartialAndUndecoded() {
        // Found by FuzzJSONB (Fuzz/Corpus/jsonb/regression-fastjson-cut-malformed-response): a fastjson response head
        // whose first line is not JSON was `.undecoded`, without `partial_body`.
        let frame = FrameBytes.frame(flags: 0x06, status: 0xEC, id: 1, body: [0x0A, 0x91, 0x0D, 0x48, 0x65, 0x71])
        guard case .response(let response) = Self.decode(frame, head: 6, state: .truncated) else {
            Issue.record("not a response")
            return
        }
        #expect(response.isPartial && response.decodeError == "malformed fastjson line 1")
    }

    @Test func aCutEventOrAnEmptyHeadIsMissing() {
        #expect(Self.decode(FrameBytes.readOnlyEvent, head: 1) == .missing)
        #expect(Self.decode(FrameBytes.request1, head: 0) == .missing)
    }
}
