import DubboWire
import Hessian2
import InspectorCore
import Testing

/// JDK serialization bodies (PROTOCOL.md §3.7): `AC ED 00 05`, then block data (`77 <len>`) holding what
/// `writeUTF`/`writeByte` wrote, then objects.
@Suite struct JavaSerializationBodyTests {
    /// java/compactedjava `writeUTF`: an int (the UTF-16 length, −1 for null), then `DataOutput.writeUTF`.
    static func utf(_ text: String?, lengthPrefixed: Bool = true) -> [UInt8] {
        guard let text else { return [0xFF, 0xFF, 0xFF, 0xFF] }
        let bytes = Array(text.utf8)
        let count = UInt32(text.utf16.count)
        let prefix: [UInt8] = lengthPrefixed ? [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)] : []
        return prefix + [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes
    }

    static func stream(_ blockData: [UInt8], then objects: [UInt8] = []) -> [UInt8] {
        precondition(blockData.count < 256)
        return [0xAC, 0xED, 0x00, 0x05, 0x77, UInt8(blockData.count)] + blockData + objects
    }

    static func decode(_ body: [UInt8], flags: UInt8, status: UInt8 = 0, state: DubboFrameInfo.BodyState = .complete) -> DubboBody {
        let header = DubboFrameHeader(flags: flags, status: status, requestID: 1, bodyLength: Int32(body.count))
        let info = DubboFrameInfo(header: header, streamOffset: 0, firstByteTime: .zero, lastByteTime: .zero,
                                  bodyState: state, foundByResync: false)
        var decoder = DubboBodyDecoder()
        return body.withUnsafeBufferPointer { decoder.decode(info, body: $0.span) }
    }

    @Test func theProtocolVersionStringIsTheFirstBlockRecord() {
        // PROTOCOL.md §3.7: "2.0.2" → ac ed 00 05 77 0b 00 00 00 05 00 05 32 2e 30 2e 32 [RUN].
        #expect(Self.stream(Self.utf("2.0.2")) == [0xAC, 0xED, 0x00, 0x05, 0x77, 0x0B, 0x00, 0x00, 0x00, 0x05, 0x00, 0x05, 0x32, 0x2E, 0x30, 0x2E, 0x32])
    }

    @Test(arguments: [UInt8(3), 4])
    func javaRequestsGiveTheirFiveStringsAndSayTheArgumentsAreNotDecoded(serialization: UInt8) {
        let strings = ["2.0.2", "org.apache.dubbo.demo.DemoService", "0.0.0", "sayHello", "Ljava/lang/String;"]
        // writeByte(1) for a non-null argument, then TC_STRING "world".
        let body = Self.stream(strings.flatMap { Self.utf($0) } + [0x01], then: [0x74, 0x00, 0x05] + Array("world".utf8))
        guard case .request(let request) = Self.decode(body, flags: 0xC0 | serialization) else {
            Issue.record("not a request")
            return
        }
        #expect(request.dubboVersion == "2.0.2" && request.service == "org.apache.dubbo.demo.DemoService")
        #expect(request.version == "0.0.0" && request.method == "sayHello" && request.parameterDescriptor == "Ljava/lang/String;")
        #expect(request.decodeError == "java serialization arguments are not decoded" && !request.argumentsDecoded)
    }

    @Test func nativeJavaWritesUTFWithoutTheIntAndANullVersionIsEmpty() {
        let body = Self.stream(Self.utf("2.0.2", lengthPrefixed: false) + Self.utf("a.B", lengthPrefixed: false)
            + Self.utf("", lengthPrefixed: false) + Self.utf("m", lengthPrefixed: false) + Self.utf("", lengthPrefixed: false))
        guard case .request(let request) = Self.decode(body, flags: 0xC7) else {
            Issue.record("not a request")
            return
        }
        #expect(request.service == "a.B" && request.method == "m" && request.version == "")
        let nullVersion = Self.stream(Self.utf("2.0.2") + Self.utf("a.B") + Self.utf(nil) + Self.utf("m") + Self.utf(""))
        guard case .request(let java) = Self.decode(nullVersion, flags: 0xC3) else {
            Issue.record("not a request")
            return
        }
        #expect(java.version == "" && java.method == "m")
    }

    @Test func aJavaExceptionResponseGivesItsFlagAndClass() {
        let name = Array("java.lang.IllegalStateException".utf8)
        let body = Self.stream([0x00, 0x01], then: [0x73, 0x72, 0x00, UInt8(name.count)] + name + [0x00, 0x01, 0x02])
        guard case .response(let response) = Self.decode(body, flags: 0x03, status: 20) else {
            Issue.record("not a response")
            return
        }
        #expect(response.resultFlag == .exception)
        #expect(response.exceptionSummary == "java.lang.IllegalStateException")
        #expect(response.decodeError == "java serialization values are not decoded")
    }

    @Test func aCutJavaRequestGivesTheStringsWholeInItsHead() {
        let strings = ["2.0.2", "org.apache.dubbo.demo.DemoService", "0.0.0", "sayHello", "Ljava/lang/String;"]
        let body = Self.stream(strings.flatMap { Self.utf($0) } + [0x01])
        let head = Array(body[..<60])
        guard case .request(let request) = Self.decode(head, flags: 0xC3, state: .gap) else {
            Issue.record("not a request")
            return
        }
        #expect(request.isPartial && request.decodeError == nil)
        #expect(request.service == "org.apache.dubbo.demo.DemoService" && request.method == nil)
    }

    @Test func bytesThatAreNotAJavaStreamAreUndecoded() {
        guard case .request(let request) = Self.decode([0x01, 0x02, 0x03, 0x04, 0x05], flags: 0xC3) else {
            Issue.record("not a request")
            return
        }
        #expect(request.decodeError == "not a Java serialization stream" && request.service == nil)
    }
}
