import Testing
@testable import TripleWire

@Suite("Triple content types")
struct TripleContentTypeTests {
    @Test("judged once per stream: protobuf (wrappers or IDL), JSON, or another codec named by its subtype",
          arguments: [
              (nil, TripleContentType.protobuf),
              ("application/grpc", .protobuf),
              ("application/grpc+proto", .protobuf),
              ("application/grpc+proto; charset=utf-8", .protobuf),
              ("application/grpc+", .protobuf),
              ("text/plain", .protobuf),
              ("application/grpc+json", .json),
              ("application/grpc+json;charset=utf-8", .json),
              ("application/json", .json),
              ("application/json; charset=utf-8", .json),
              ("application/grpc+data", .other("data")),
              ("application/grpc+hessian2;x=1", .other("hessian2")),
              ("application/grpc+jsonx", .other("jsonx")),
          ] as [(String?, TripleContentType)])
    func classification(contentType: String?, expected: TripleContentType) {
        #expect(TripleContentType(contentType) == expected)
    }
}
