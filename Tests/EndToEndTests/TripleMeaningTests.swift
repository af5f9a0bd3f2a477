import Correlation
import DubboWire
import Foundation
import Hessian2
import InspectorCore
import NetworkLayers
import RecordFormats
import Registry
import RegistryJoin
import Testing
import TripleWire

/// What a Triple call means beyond its frames: a business exception sent as the response message, and the registry
/// registrations of its own protocol. Driven without a network (the grpcio capture test covers the wire).
@Suite("Triple meaning")
struct TripleMeaningTests {
    static let service = "org.apache.dubbo.demo.GreeterService"
    static let client = Endpoint(address: IPAddress(10, 0, 0, 1), port: 40000)
    static let server = Endpoint(address: IPAddress(10, 0, 0, 2), port: 20880)
    static let start = CaptureTime(seconds: 1_700_000_000, nanoseconds: 0)

    static func call(exceptionCode: String?, responseValue: HessianValue?, status: Int = 2) -> TripleCall {
        var call = TripleCall(kind: .call, streamID: 3)
        call.service = service
        call.method = "sayHello"
        call.version = "2.0.0"
        call.requestTime = start
        call.responseTime = start.adding(nanoseconds: 400_000)
        call.responseEndTime = call.responseTime
        call.requestMessages = 1
        call.grpcStatus = status
        call.grpcMessage = "no credit for user-42"
        call.exceptionCode = exceptionCode
        if let responseValue {
            call.responseMessages = 1
            call.response = TripleMessage(serialization: "hessian2", values: [responseValue], types: ["java.lang.String"])
        }
        return call
    }

    static let thrown = HessianValue.object(HessianObject(
        className: "com.example.NoCreditException", fieldNames: ["detailMessage", "stackTrace"],
        fieldValues: [.string("no credit for user-42"), .list(HessianList(elements: []))]
    ))

    static func json(_ record: CallRecord) throws -> [String: Any] {
        var writer = JSONWriter()
        JSONLinesFormatter().write(record, registry: .noRegistry, to: &writer)
        return try JSONSerialization.jsonObject(with: Data(writer.string.utf8)) as? [String: Any] ?? [:]
    }

    @Test("a message beside a non-zero tri-exception-code is the thrown exception: outcome exception, no return value")
    func businessException() throws {
        let record = CallRecord(triple: Self.call(exceptionCode: "3", responseValue: Self.thrown), client: Self.client, server: Self.server)
        let json = try Self.json(record)
        #expect(json["outcome"] as? String == "exception")
        #expect(json["exception"] as? String == "com.example.NoCreditException: no credit for user-42")
        #expect(json["return_value"] is NSNull)
        #expect(json["status_name"] as? String == "UNKNOWN" && json["error_message"] as? String == "no credit for user-42")
        #expect(record.exceptionClassName == "com.example.NoCreditException")
    }

    @Test("without the code, with code 0 or junk, or with no message, the call stays a value or a plain gRPC error",
          arguments: [(String?, Bool)]([(nil, true), ("0", true), ("x3", true), ("3", false)]))
    func notAnException(code: String?, withMessage: Bool) throws {
        let call = Self.call(exceptionCode: code, responseValue: withMessage ? .string("hello") : nil)
        let json = try Self.json(CallRecord(triple: call, client: Self.client, server: Self.server))
        #expect(json["outcome"] as? String == "error")
        #expect(json["exception"] is NSNull)
        if withMessage { #expect(json["return_value"] as? String == "hello") }
    }

    @Test("headers become attachments in order; a name sent twice keeps its last value in the place of its first")
    func attachmentsInOrder() throws {
        var call = Self.call(exceptionCode: nil, responseValue: .string("hi"), status: 0)
        call.attachments = [("x-b", "1"), ("x-a", "2")]
        call.responseAttachments = [("content-type", "application/grpc"), ("x-trace", "t1"), ("content-type", "application/grpc+proto")]
        let record = CallRecord(triple: call, client: Self.client, server: Self.server)
        let request = try #require(record.request?.attachments)
        #expect(request.entries.map { $0.key.stringValue } == ["x-b", "x-a"])
        #expect(request.entries.map { $0.value.stringValue } == ["1", "2"])
        let response = try #require(record.response?.attachments)
        #expect(response.entries.map { $0.key.stringValue } == ["content-type", "x-trace"])
        #expect(response.entries.map { $0.value.stringValue } == ["application/grpc+proto", "t1"])

        // Past the short-list path: many names, one repeated at the end.
        call.attachments = (0..<40).map { ("x-\($0)", "\($0)") } + [("x-3", "last")]
        let long = try #require(CallRecord(triple: call, client: Self.client, server: Self.server).request?.attachments)
        #expect(long.entries.count == 40)
        #expect(long.entries[3].value.stringValue == "last" && long.entries[39].key.stringValue == "x-39")
    }

    static let dubboURL =
        "dubbo://10.0.0.2:20880/\(service)?application=greeter&interface=\(service)&methods=sayHello&version=1.0.0&side=provider"
    static let triURL =
        "tri://10.0.0.2:20880/\(service)?application=greeter&interface=\(service)&methods=sayHello,greetStream&version=2.0.0&side=provider"

    static func directory(_ urls: [String]) -> ServiceDirectory {
        var providers: [String: String] = [:]
        for url in urls { providers[url] = "1800000000000" }
        return ServiceDirectory(
            root: "/dubbo/", source: "test", hashes: ["/dubbo/\(service)/providers": providers],
            observedAtMilliseconds: 1_700_000_000_000
        )
    }

    static func dubboRecord(version: String) -> CallRecord {
        var request = DubboRequestBody()
        request.service = service
        request.method = "sayHello"
        request.version = version
        return CallRecord(
            kind: .call, client: client, server: server, requestID: 1, serialization: Serialization(id: 2),
            request: request, outcome: .ok
        )
    }

    @Test("one port, both protocols registered: each call is judged against the URL of its own protocol")
    func registryJoinByProtocol() {
        let both = Self.directory([Self.dubboURL, Self.triURL])
        let triple = CallRecord(triple: Self.call(exceptionCode: nil, responseValue: .string("hi"), status: 0),
                                client: Self.client, server: Self.server)
        let tripleAnnotation = RegistryJoin.annotate(triple, in: both)
        #expect(tripleAnnotation.status == .registered)
        #expect(tripleAnnotation.providerURL?.hasPrefix("tri://") == true)

        // The dubbo export has version 1.0.0 only: a dubbo call asking 2.0.0 is a version mismatch even though the
        // tri:// export at the same endpoint has 2.0.0.
        let dubbo = RegistryJoin.annotate(Self.dubboRecord(version: "1.0.0"), in: both)
        #expect(dubbo.status == .registered && dubbo.providerURL?.hasPrefix("dubbo://") == true)
        #expect(RegistryJoin.annotate(Self.dubboRecord(version: "2.0.0"), in: both).status == .versionMismatch)

        // Only the other protocol registered there (a unified port answers both): judged against that one.
        let dubboOnly = RegistryJoin.annotate(triple, in: Self.directory([Self.dubboURL]))
        #expect(dubboOnly.status == .versionMismatch && dubboOnly.providerURL?.hasPrefix("dubbo://") == true)
    }
}
