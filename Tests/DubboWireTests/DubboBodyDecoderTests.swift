import DubboWire
import Hessian2
import InspectorCore
import Testing

@Suite("DubboBodyDecoder")
struct DubboBodyDecoderTests {
    func decode(_ frame: [UInt8], depth: DubboBodyDecoder.Depth = .full) -> DubboBody {
        var result: DubboBody = .missing
        var decoder = DubboStreamDecoder(maxBodyLength: 1 << 20, midstream: false)
        frame.withUnsafeBufferPointer { pointer in
            decoder.receive(pointer.span, time: .zero) { info, body in
                var bodyDecoder = DubboBodyDecoder(depth: depth)
                result = bodyDecoder.decode(info, body: body)
            }
        }
        return result
    }

    @Test("V-REQ-1: sayHello(\"world\") with path, interface and version attachments")
    func requestWithAttachments() throws {
        guard case .request(let request) = decode(FrameBytes.request1) else {
            Issue.record("not a request")
            return
        }
        #expect(request.dubboVersion == "2.0.2")
        #expect(request.service == "org.apache.dubbo.demo.DemoService")
        #expect(request.version == "0.0.0")
        #expect(request.method == "sayHello")
        #expect(request.parameterDescriptor == "Ljava/lang/String;")
        #expect(request.arguments == [.string("world")])
        #expect(request.attachment("interface") == "org.apache.dubbo.demo.DemoService")
        #expect(request.attachment("version") == "0.0.0")
        #expect(request.attachments?.entries.count == 3)
        #expect(request.decodeError == nil)
    }

    @Test("V-REQ-2: a null service version reads as \"\"; int and long arguments")
    func nullVersion() {
        guard case .request(let request) = decode(FrameBytes.request2) else {
            Issue.record("not a request")
            return
        }
        #expect(request.version == "")
        #expect(request.method == "add")
        #expect(request.arguments == [.int(7), .long(9)])
        #expect(request.decodeError == nil)
    }

    @Test("metadata depth steps over arguments but still reads the attachments")
    func metadataDepth() {
        guard case .request(let request) = decode(FrameBytes.genericRequest, depth: .metadata) else {
            Issue.record("not a request")
            return
        }
        #expect(request.method == "$invoke")
        #expect(request.arguments.isEmpty && !request.argumentsDecoded)
        #expect(request.attachment("generic") == "true")
        #expect(request.decodeError == nil)
    }

    @Test("arguments on demand: metadata now, the kept body decodes to the same arguments as full decoding later")
    func argumentsOnDemand() throws {
        var decoder = DubboBodyDecoder(depth: .argumentsOnDemand)
        for frame in [FrameBytes.request1, FrameBytes.request2, FrameBytes.genericRequest] {
            guard case .request(let full) = decode(frame),
                  case .request(let onDemand) = decode(frame, depth: .argumentsOnDemand) else {
                Issue.record("not a request")
                continue
            }
            #expect(!onDemand.argumentsDecoded && onDemand.arguments.isEmpty)
            #expect(onDemand.keptBody == Array(frame[16...]))
            #expect(onDemand.service == full.service && onDemand.method == full.method)
            #expect(onDemand.attachments == full.attachments)
            #expect(decoder.arguments(of: onDemand) == full.arguments)
            #expect(full.keptBody == nil)
            // Fully decoded requests answer from what they hold.
            #expect(decoder.arguments(of: full) == full.arguments)
        }
        guard case .request(let metadata) = decode(FrameBytes.genericRequest, depth: .metadata) else {
            Issue.record("not a request")
            return
        }
        #expect(metadata.keptBody == nil && decoder.arguments(of: metadata) == nil)
    }

    @Test("arguments on demand: no parameters means all arguments known (none), nothing kept; broken ones give nil")
    func argumentsOnDemandEdges() throws {
        let noParameters: [UInt8] = [0x05] + Array("2.0.2".utf8) + [0x03] + Array("Svc".utf8) + [0x00, 0x04]
            + Array("ping".utf8) + [0x00, 0x48, 0x5A]
        guard case .request(let none) = decode(FrameBytes.frame(flags: 0xC2, id: 1, body: noParameters),
                                                depth: .argumentsOnDemand) else {
            Issue.record("not a request")
            return
        }
        #expect(none.argumentsDecoded && none.arguments.isEmpty && none.keptBody == nil)
        var decoder = DubboBodyDecoder(depth: .argumentsOnDemand)
        #expect(decoder.arguments(of: none) == [])

        // One int parameter whose value is a string that claims more bytes than the body has.
        let broken: [UInt8] = [0x05] + Array("2.0.2".utf8) + [0x03] + Array("Svc".utf8) + [0x00, 0x01]
            + Array("m".utf8) + [0x01] + Array("I".utf8) + [0x30, 0xFF] + Array("short".utf8)
        guard case .request(let cut) = decode(FrameBytes.frame(flags: 0xC2, id: 2, body: broken),
                                               depth: .argumentsOnDemand),
              case .request(let cutFull) = decode(FrameBytes.frame(flags: 0xC2, id: 2, body: broken)) else {
            Issue.record("not a request")
            return
        }
        #expect(cut.decodeError != nil && cut.decodeError == cutFull.decodeError)
        #expect(!cutFull.argumentsDecoded)
        #expect(decoder.arguments(of: cut) == nil)
    }

    @Test("report depth reads a response to its result flag and exception only, so it need not wait as bytes")
    func reportDepthResponses() throws {
        // Flag 4, then a value and attachments that do not decode: a report never reads them.
        let brokenTail = FrameBytes.frame(flags: 0x02, status: 20, id: 3, body: [0x94, 0x30, 0xFF, 0x41])
        guard case .response(let value) = decode(brokenTail, depth: .argumentsOnDemand),
              case .response(let full) = decode(brokenTail, depth: .full),
              case .response(let metadata) = decode(brokenTail, depth: .metadata) else {
            Issue.record("not a response")
            return
        }
        #expect(value.resultFlag == .valueWithAttachments)
        #expect(value.value == nil && value.attachments == nil && value.decodeError == nil)
        #expect(full.decodeError != nil && metadata.decodeError != nil)

        // An exception is decoded in full: the report names its class.
        let exception: [UInt8] = [0x90, 0x04] + Array("boom".utf8)
        guard case .response(let thrown) = decode(
            FrameBytes.frame(flags: 0x02, status: 20, id: 4, body: exception), depth: .argumentsOnDemand) else {
            Issue.record("not a response")
            return
        }
        #expect(thrown.resultFlag == .exception && thrown.exception == .string("boom"))
        // A result flag that does not exist is still an error; an error status still gives its message.
        guard case .response(let unknown) = decode(
            FrameBytes.frame(flags: 0x02, status: 20, id: 5, body: [0x99]), depth: .argumentsOnDemand),
              case .response(let error) = decode(FrameBytes.serviceError, depth: .argumentsOnDemand) else {
            Issue.record("not a response")
            return
        }
        #expect(unknown.decodeError == "unknown result flag 9")
        #expect(error.errorMessage == "boom")

        var events: [DubboFrameInfo] = []
        var stream = DubboStreamDecoder(maxBodyLength: 1 << 20, midstream: false)
        (FrameBytes.request1 + brokenTail).withUnsafeBufferPointer { pointer in
            stream.receive(pointer.span, time: .zero) { info, _ in events.append(info) }
        }
        let report = DubboBodyDecoder(depth: .argumentsOnDemand)
        let log = DubboBodyDecoder(depth: .full)
        #expect(events.map { report.canDefer($0) } == [true, false])
        #expect(events.map { log.canDefer($0) } == [true, true])
    }

    @Test("V-REQ-GENERIC: $invoke's three arguments")
    func genericInvoke() {
        guard case .request(let request) = decode(FrameBytes.genericRequest) else {
            Issue.record("not a request")
            return
        }
        #expect(request.version == "1.0.0")
        #expect(request.arguments.count == 3)
        #expect(request.arguments.first == .string("sayHello"))
        #expect(ParameterDescriptor.javaNames(request.parameterDescriptor ?? "")
            == ["java.lang.String", "java.lang.String[]", "java.lang.Object[]"])
    }

    @Test("V-RESP-4, V-RESP-5, V-RESP-1: result flags 4, 5 and 1")
    func responses() {
        guard case .response(let withValue) = decode(FrameBytes.responseWithAttachments),
              case .response(let nullValue) = decode(FrameBytes.nullResponseWithAttachments),
              case .response(let legacy) = decode(FrameBytes.legacyValueResponse)
        else {
            Issue.record("not responses")
            return
        }
        #expect(withValue.resultFlag == .valueWithAttachments)
        #expect(withValue.value == .string("Hello world"))
        #expect(withValue.attachments?.stringValue(forKey: "dubbo") == "2.0.2")
        #expect(nullValue.resultFlag == .nullValueWithAttachments)
        #expect(nullValue.value == nil)
        #expect(nullValue.attachments?.stringValue(forKey: "dubbo") == "2.0.2")
        #expect(legacy.resultFlag == .value && legacy.value == .int(1) && legacy.attachments == nil)
    }

    @Test("V-ERR-70: a status other than OK carries one message string")
    func errorStatus() {
        guard case .response(let response) = decode(FrameBytes.serviceError) else {
            Issue.record("not a response")
            return
        }
        #expect(response.errorMessage == "boom")
        #expect(response.resultFlag == nil)
    }

    @Test("heartbeats and the read-only event")
    func events() {
        #expect(decode(FrameBytes.heartbeatRequest) == .heartbeat)
        #expect(decode(FrameBytes.heartbeatResponse) == .heartbeat)
        #expect(decode(FrameBytes.readOnlyEvent) == .event(.string("R")))
    }

    @Test("an unknown result flag is a decode error, not a crash")
    func unknownResultFlag() {
        let frame = FrameBytes.frame(flags: 0x02, status: 20, id: 1, body: [0x97, 0x4E])
        guard case .response(let response) = decode(frame) else {
            Issue.record("not a response")
            return
        }
        #expect(response.decodeError == "unknown result flag 7")
    }

    @Test("other serializers are named and left undecoded")
    func otherSerializers() {
        let fst = FrameBytes.frame(flags: 0xC9, id: 1, body: [1, 2, 3])
        #expect(decode(fst) == .undecoded("fst bodies are not decoded"))
    }

    @Test("fastjson: one JSON text per line")
    func fastjsonRequest() {
        let body = Array("""
            "2.0.2"
            "org.apache.dubbo.demo.DemoService"
            "0.0.0"
            "sayHello"
            "Ljava/lang/String;"
            "w\\u00f6rld"
            {"path":"org.apache.dubbo.demo.DemoService","group":"g1"}

            """.utf8)
        guard case .request(let request) = decode(FrameBytes.frame(flags: 0xC6, id: 1, body: body)) else {
            Issue.record("not a request")
            return
        }
        #expect(request.service == "org.apache.dubbo.demo.DemoService")
        #expect(request.method == "sayHello")
        #expect(request.arguments == [.string("wörld")])
        #expect(request.attachment("group") == "g1")
        #expect(request.decodeError == nil)
    }

    @Test("truncated request bodies keep the fields read before the break")
    func truncatedBodies() {
        let body = Array(FrameBytes.request1[16...])
        for cut in 0..<body.count {
            let frame = FrameBytes.frame(flags: 0xC2, id: 3, body: Array(body[..<cut]))
            guard case .request(let request) = decode(frame) else {
                Issue.record("not a request at cut \(cut)")
                continue
            }
            if cut >= 41 { #expect(request.service == "org.apache.dubbo.demo.DemoService") }
            // The only clean cuts: the whole body, or right after the argument (a body without attachments).
            if request.decodeError == nil {
                #expect(cut == body.count || (request.arguments.count == 1 && request.attachments == nil))
            }
        }
    }
}

@Suite("ParameterDescriptor")
struct ParameterDescriptorTests {
    @Test("descriptors split into one token per parameter")
    func splits() {
        #expect(ParameterDescriptor.javaNames("Ljava/lang/String;I[J") == ["java.lang.String", "int", "long[]"])
        #expect(ParameterDescriptor.javaNames("") == [])
        #expect(ParameterDescriptor.javaNames("[[Lcom/foo/Outer$Inner;ZBCDFS")
            == ["com.foo.Outer$Inner[][]", "boolean", "byte", "char", "double", "float", "short"])
    }

    @Test("counting agrees with naming, malformed included")
    func countAgrees() {
        for descriptor in ["", "I", "Ljava/lang/String;I[J", "[[Lcom/foo/Outer$Inner;ZBCDFS", "Lé/ü;", "Ljava/lang/String",
                           "[", "Q", "L;", "II;"] {
            #expect(ParameterDescriptor.count(descriptor) == ParameterDescriptor.javaNames(descriptor)?.count, "\(descriptor)")
        }
    }

    @Test("names written as JSON are the names as strings, escaped; null when malformed")
    func writtenAsJSON() {
        let descriptors = ["", "I", "Ljava/lang/String;I[J", "[[Lcom/foo/Outer$Inner;ZBCDFS", "Lé/ü;", "VZBCDFIJS",
                           "Lcom/a\"b\\c;", "La\u{2028}b;[[[Lx;", "L\u{7F}\u{85};", "Ljava/lang/String", "[", "Q", "L;", "II;"]
        for descriptor in descriptors {
            var written = JSONWriter()
            ParameterDescriptor.writeJavaNames(descriptor, to: &written)
            var expected = JSONWriter()
            if let names = ParameterDescriptor.javaNames(descriptor) {
                expected.beginArray()
                for (index, name) in names.enumerated() {
                    if index > 0 { expected.comma() }
                    expected.string(name)
                }
                expected.endArray()
            } else {
                expected.null()
            }
            #expect(written.string == expected.string, "\(descriptor)")
        }
        var written = JSONWriter()
        ParameterDescriptor.writeJavaNames("Lcom/a\"b;[I", to: &written)
        #expect(written.string == #"["com.a\"b","int[]"]"#)
        // Names longer than the stack buffer: a 300-byte class name, and an int array of 200 dimensions.
        let longClass = String(repeating: "a/", count: 150)
        let deep = String(repeating: "[", count: 200) + "I"
        #expect(ParameterDescriptor.javaNames("L\(longClass)x;\(deep)")
                == [String(repeating: "a.", count: 150) + "x", "int" + String(repeating: "[]", count: 200)])
        var long = JSONWriter()
        ParameterDescriptor.writeJavaNames("L\(longClass)x;\(deep)", to: &long)
        #expect(long.string == #"[""# + String(repeating: "a.", count: 150) + #"x","int"# + String(repeating: "[]", count: 200) + #""]"#)
    }

    @Test("malformed descriptors are rejected")
    func rejects() {
        for malformed in ["Ljava/lang/String", "[", "Q", "L;", "I["] {
            #expect(ParameterDescriptor.count(malformed) == nil, "\(malformed)")
            #expect(ParameterDescriptor.javaNames(malformed) == nil, "\(malformed)")
        }
        #expect(ParameterDescriptor.javaNames("Lé/ü;") == ["é.ü"])
    }
}
