@testable import Correlation
import DubboWire
import Hessian2
import InspectorCore
import NetworkLayers
import Testing
@testable import TripleWire

@Suite("Triple values decoded on the record thread")
struct DeferredTripleTests {
    /// A TripleRequestWrapper {1 "hessian2", 2 Hessian "hello"} left for later, as the analysis thread keeps it.
    static func waitingCall() -> TripleCall {
        let wrapper: [UInt8] = [0x0A, 8] + Array("hessian2".utf8) + [0x12, 6, 0x05] + Array("hello".utf8)
        var call = TripleCall(kind: .call, streamID: 1)
        call.service = "demo.Greeter"
        call.method = "greet"
        call.requestMessages = 1
        call.requestTime = CaptureTime(seconds: 1, nanoseconds: 0)
        call.request = wrapper.withUnsafeBufferPointer { TripleMessage.awaitingDecoding($0, content: .protobuf) }
        return call
    }

    @Test("decoding fills the record's call and request in place, and never changes a copy of the record")
    func copyOnWrite() throws {
        let client = Endpoint(address: .v4(0x0A00_0001), port: 40000)
        let server = Endpoint(address: .v4(0x0A00_0002), port: 50051)
        var record = CallRecord(triple: Self.waitingCall(), client: client, server: server, deferringBodies: true)
        #expect(record.triple?.awaitsDecoding == true && record.request == nil)
        let copy = record
        var decoder = DeferredBodyDecoder(limits: .default, depth: .full)
        record.decodeDeferredBodies(with: &decoder)
        #expect(record.triple?.request?.values == [.string("hello")] && record.triple?.awaitsDecoding == false)
        #expect(record.request?.arguments == [.string("hello")] && record.serializationName == "hessian2")
        #expect(record.request?.service == "demo.Greeter" && decoder.tripleMessagesUndecoded == 0)
        // The copy still shares nothing that changed: its call waits, and decodes the same way on its own.
        #expect(copy.triple?.awaitsDecoding == true && copy.request == nil)
        var later = copy
        later.decodeDeferredBodies(with: &decoder)
        #expect(later.triple == record.triple && later.request?.arguments == record.request?.arguments)
    }
}
