import Correlation
import DubboWire
import Foundation
import AnalysisPipeline
import InspectorCore
import LatencyReports
import RecordFormats
import RegistryJoin
import TCPReassembly
import Testing

/// Resource bombs through the whole pipeline, from generated captures: each is stopped by a documented limit
/// (docs/LIMITS.md), counted, shown in the run summary, and costs bounded memory. Unit-level versions live in
/// Hessian2Tests (HessianLimitTests), DubboWireTests and TCPReassemblyTests; these check that the pipeline
/// keeps going and reports the hit.
@Suite("Resource bombs through the pipeline")
struct HostileBombTests {
    /// One request whose single argument is `argument` (already Hessian), answered OK, on a fresh connection.
    static func capture(argument: [UInt8], descriptor: String = "Ljava/lang/Object;") -> [UInt8] {
        var pcap = HostilePcap()
        var conversation = HostileConversation()
        conversation.handshake(into: &pcap)
        let body = HostileDubbo.requestBody(descriptor: descriptor, arguments: argument)
        conversation.send(HostileDubbo.request(id: 1, body: body), fromClient: true, into: &pcap)
        conversation.send(HostileDubbo.okResponse(id: 1), fromClient: false, into: &pcap)
        conversation.close(into: &pcap)
        return pcap.bytes
    }

    struct Result {
        /// The records as `--format jsonl` prints them, parsed.
        var records: [[String: Any]]
        var lines: [String]
        /// The request bodies' decode errors, record by record (not part of the JSON record).
        var requestErrors: [String?]
        var summary: RunSummary
    }

    static func analyze(_ bytes: [UInt8], limits: Limits = .default) throws -> Result {
        let directory = try HostileDirectory()
        let path = try directory.write("bomb.pcap", bytes)
        var errors: [String?] = []
        let formatter = JSONLinesFormatter()
        var lines: [String] = []
        let (summary, problems) = OfflineAnalysis(limits: limits).run(paths: [path]) { record in
            errors.append(record.request?.decodeError)
            var writer = JSONWriter()
            formatter.write(record, to: &writer)
            lines.append(writer.string)
        }
        #expect(problems.unreadableFiles.isEmpty && problems.readErrors.isEmpty)
        let records = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
        return Result(records: records, lines: lines, requestErrors: errors, summary: summary)
    }

    /// The decode error of the only request, which must be flagged undecoded and still paired with its response.
    static func undecodedRequest(_ result: Result) -> String? {
        #expect(result.records.count == 1)
        guard let record = result.records.first else { return nil }
        #expect(record["outcome"] as? String == "ok")
        #expect((record["quality"] as? [String])?.contains("request_undecoded") == true)
        #expect(result.summary.undecodedBodies == 1)
        #expect(result.summary.text.contains("decode errors 1"))
        return result.requestErrors.first ?? nil
    }

    // MARK: Hessian bombs (limits: maxHessianDepth, maxCollectionCount, maxClassDefinitions, references)

    @Test("100 000 nested lists or maps stop at maxHessianDepth (64): the call is kept, its body flagged")
    func deepNesting() throws {
        for opener in [UInt8(0x57), 0x48, 0x79] {
            let result = try Self.analyze(Self.capture(argument: [UInt8](repeating: opener, count: 100_000)))
            #expect(Self.undecodedRequest(result)?.contains("nesting too deep") == true, "opener \(opener)")
        }
    }

    @Test("a list claiming 2^31-1 elements stops at maxCollectionCount before allocating; -2^31 is negative")
    func hugeListClaims() throws {
        let claim = try Self.analyze(Self.capture(argument: [0x58, 0x49, 0x7F, 0xFF, 0xFF, 0xFF]))
        #expect(Self.undecodedRequest(claim)?.contains("collection of 2147483647 items too large") == true)
        let negative = try Self.analyze(Self.capture(argument: [0x58, 0x49, 0x80, 0x00, 0x00, 0x00]))
        #expect(Self.undecodedRequest(negative)?.contains("negative length -2147483648") == true)
    }

    @Test("a string claiming more characters than its body holds is truncated, not allocated")
    func hugeStringClaim() throws {
        // 'S' 0xffff: 65 535 characters claimed, 8 present; then chunk after chunk of 'R' claims.
        let single = try Self.analyze(Self.capture(argument: [0x53, 0xFF, 0xFF] + Array("abcdefgh".utf8)))
        #expect(Self.undecodedRequest(single)?.contains("hessian: truncated value") == true)
        let chunks = [UInt8](repeating: 0x52, count: 1) + [0xFF, 0xFF] + [UInt8](repeating: 0x61, count: 100)
        let chunked = try Self.analyze(Self.capture(argument: chunks))
        #expect(Self.undecodedRequest(chunked)?.contains("hessian: truncated value") == true)
    }

    @Test("a Kryo string claiming 2^31 characters is refused before allocating")
    func kryoStringClaim() throws {
        // Kryo var-int length+1 = 2^31 + 1: low six bits 1 (UTF-8 form, more follows), then 0, 0, 0, 0x10 << 27.
        let body: [UInt8] = [0xC1, 0x80, 0x80, 0x80, 0x10] + [UInt8](repeating: 0x61, count: 64)
        var pcap = HostilePcap()
        var conversation = HostileConversation()
        conversation.handshake(into: &pcap)
        conversation.send(HostileDubbo.frame(flags: 0xC8, id: 4, body: body), fromClient: true, into: &pcap)
        conversation.close(into: &pcap)
        let result = try Self.analyze(pcap.bytes)
        #expect(result.records.count == 1)
        #expect(result.records.first?["serialization"] as? String == "kryo")
        #expect(result.requestErrors.first == "kryo body does not start with four strings")
        #expect(result.records.first?["service"] is NSNull)
    }

    @Test("a string of 2^24+ characters over 'R' chunks stops at maxStringLength (16 Mi units)")
    func stringOverMaxStringLength() throws {
        // 257 chunks of 65 535 'a's = 16 842 495 units > 16 777 216; the body needs a larger --max-body.
        var argument: [UInt8] = []
        argument.reserveCapacity(257 * 65_538 + 1)
        let chunk = [0x52, 0xFF, 0xFF] + [UInt8](repeating: 0x61, count: 65_535)
        for _ in 0..<257 { argument += chunk }
        argument += [0x00]
        var limits = Limits.default
        limits.maxBodyLength = 32 << 20
        let result = try Self.analyze(Self.capture(argument: argument, descriptor: "Ljava/lang/String;"), limits: limits)
        #expect(Self.undecodedRequest(result)?.contains("string of 16842495 chars too long") == true)
    }

    @Test("a list holding itself renders as a $ref, not an endless loop")
    func referenceLoop() throws {
        // [ref #0]: a one-element list whose element is the list itself.
        let result = try Self.analyze(Self.capture(argument: [0x79, 0x51, 0x90]))
        #expect(result.records.count == 1)
        #expect(result.lines.first?.contains(#""arguments":[[{"$ref":0}]]"#) == true)
        #expect((result.records.first?["quality"] as? [String]) == [])
    }

    @Test("an object whose field points back at it renders as a $ref")
    func objectSelfReference() throws {
        let argument: [UInt8] = [0x43] + HostileDubbo.string("demo.Node") + [0x91] + HostileDubbo.string("next")
            + [0x60, 0x51, 0x90]
        let result = try Self.analyze(Self.capture(argument: argument))
        #expect(result.lines.first?.contains(#""arguments":[{"$class":"demo.Node","next":{"$ref":0}}]"#) == true)
    }

    @Test("a reference to a value that does not exist flags the body, the call is still reported")
    func referenceToNothing() throws {
        let result = try Self.analyze(Self.capture(argument: [0x51, 0x9F]))
        #expect(Self.undecodedRequest(result)?.contains("reference to unknown value #15") == true)
    }

    @Test("a reference bomb (each list twice the previous) stops at maxValuesPerBody")
    func referenceBomb() throws {
        // A list of 31 lists, each holding two references to the one before: 2^31 values once expanded.
        var argument: [UInt8] = [0x58, 0xAF, 0x7A, 0x91, 0x91]  // fixed list, count 31 (0xaf), then [1, 1]
        for level in 1..<31 { argument += [0x7A, 0x51, 0x90 + UInt8(level), 0x51, 0x90 + UInt8(level)] }
        let result = try Self.analyze(Self.capture(argument: argument))
        #expect(Self.undecodedRequest(result)?.contains("too many values in body") == true)
    }

    @Test("5 000 class definitions stop at maxClassDefinitions (4 096)")
    func classDefinitionFlood() throws {
        var argument: [UInt8] = []
        for _ in 0..<5_000 { argument += [0x43, 0x01, 0x41, 0x90] }
        argument += [0x4E]
        let result = try Self.analyze(Self.capture(argument: argument))
        #expect(Self.undecodedRequest(result)?.contains("too many class definitions") == true)
    }

    // MARK: Framing bombs (limit: maxBodyLength)

    @Test("a body length of 2 GB - 1 is reported as too large and skipped unread")
    func twoGigabyteBody() throws {
        var pcap = HostilePcap()
        var conversation = HostileConversation()
        conversation.handshake(into: &pcap)
        let header = HostileDubbo.request(id: 5, body: [], length: Int32.max)
        conversation.send(header + [UInt8](repeating: 0x41, count: 10_000), fromClient: true, into: &pcap)
        conversation.send(HostileDubbo.okResponse(id: 5), fromClient: false, into: &pcap)
        conversation.close(into: &pcap)
        let result = try Self.analyze(pcap.bytes)
        #expect(result.summary.streams.framesTooLarge == 1)
        #expect(result.summary.text.contains("oversized bodies 1"))
        let call = result.records.first { $0["kind"] as? String == "call" }
        #expect(call?["request_bytes"] as? Int == Int(Int32.max))
        #expect((call?["quality"] as? [String])?.contains("request_too_large") == true)
        // The frame is handed on only once its body has been passed over (here: when the connection closes), so
        // the response, which came first, is an orphan. Reported to the lead; pinned here so a change is seen.
        #expect(result.records.map { $0["kind"] as? String } == ["orphan_response", "call"])
        #expect(call?["outcome"] as? String == "no_response")
    }

    @Test("a body length of 2^31 (negative as Java's int) is a lost sync, counted; later frames are found again")
    func negativeBodyLength() throws {
        var pcap = HostilePcap()
        var conversation = HostileConversation()
        conversation.handshake(into: &pcap)
        let bad = HostileDubbo.request(id: 5, body: [], length: Int32.min)
        let good = HostileDubbo.request(id: 6, body: HostileDubbo.requestBody(arguments: [0x91]))
        conversation.send(bad + [UInt8](repeating: 0x41, count: 100), fromClient: true, into: &pcap)
        conversation.send(good, fromClient: true, into: &pcap)
        conversation.send(HostileDubbo.okResponse(id: 6), fromClient: false, into: &pcap)
        conversation.close(into: &pcap)
        let result = try Self.analyze(pcap.bytes)
        #expect(result.summary.streams.resyncs == 1)
        #expect(result.summary.streams.skippedBytes == 116)
        #expect(result.records.count == 1)
        #expect(result.records.first?["request_id"] as? Int == 6)
    }

    @Test("a flow that never ends its frame: reported truncated at the end, its bytes held no longer")
    func frameThatNeverEnds() throws {
        var pcap = HostilePcap()
        var conversation = HostileConversation()
        conversation.handshake(into: &pcap)
        // Claims 8 MiB - 1 (within --max-body), sends 1 MiB of it, then nothing: the capture just ends.
        let header = HostileDubbo.request(id: 9, body: [], length: (8 << 20) - 1)
        conversation.send(header + [UInt8](repeating: 0x42, count: 1 << 20), fromClient: true, into: &pcap)
        let result = try Self.analyze(pcap.bytes)
        #expect(result.summary.streams.framesTruncated == 1)
        #expect(result.summary.text.contains("truncated frames 1"))
        #expect(result.records.count == 1)
        #expect(result.records.first?["outcome"] as? String == "no_response")
        #expect((result.records.first?["quality"] as? [String])?.contains("truncated") == true)
    }

    @Test("frames that never end, in many flows, stop at maxBufferedFrameBytesTotal: given up, counted, flagged")
    func neverEndingFramesAcrossFlows() throws {
        var limits = Limits.default
        limits.maxBodyLength = 512 << 10
        limits.maxBufferedFrameBytesTotal = 2 << 20
        var pcap = HostilePcap()
        // 20 flows, one after the other, each sending 400 000 of the 500 000 body bytes its header claims.
        for flow in 0..<20 {
            var conversation = HostileConversation(clientPort: 31_000 + UInt16(flow))
            conversation.handshake(into: &pcap)
            let header = HostileDubbo.request(id: Int64(flow), body: [], length: 500_000)
            conversation.send(header + [UInt8](repeating: 0x45, count: 400_000), fromClient: true, into: &pcap)
        }
        let result = try Self.analyze(pcap.bytes, limits: limits)
        // Five flows (about 2 MB) fit; each later one is given up as soon as it pushes the total over.
        #expect(result.summary.streams.framesEvicted == 15)
        #expect(result.summary.streams.framesTruncated == 5)
        #expect(result.summary.text.contains("evicted frames 15"))
        #expect(result.records.count == 20)
        let evicted = result.records.filter { ($0["quality"] as? [String])?.contains("evicted") == true }
        #expect(evicted.count == 15)
        #expect(evicted.allSatisfy { $0["outcome"] as? String == "no_response" && $0["request_bytes"] as? Int == 500_000 })
    }

    // MARK: Reassembly bombs (limits: maxFlows, maxBufferedBytesPerFlow, maxBufferedSegmentsPerFlow, total)

    @Test("an out-of-order flood that never fills its hole gives the hole up at the per-flow limits")
    func outOfOrderFlood() throws {
        var pcap = HostilePcap()
        var conversation = HostileConversation()
        conversation.handshake(into: &pcap)
        // 10 000 segments of 1 000 bytes, all after a 1 000-byte hole that never comes (10 MB > 4 MiB per flow).
        let start = conversation.clientNext &+ 1_000
        let payload = [UInt8](repeating: 0x43, count: 1_000)
        for index in 0..<10_000 {
            conversation.packet(
                fromClient: true, flags: [.psh], payload: payload, sequence: start &+ UInt32(index * 1_000),
                into: &pcap)
        }
        let result = try Self.analyze(pcap.bytes)
        let reassembly = result.summary.reassembly
        #expect(reassembly.bufferEvictions >= 1)
        #expect(reassembly.peakBufferedBytes <= Limits.default.maxBufferedBytesPerFlow + 1_000)
        #expect(reassembly.currentBufferedBytes == 0)
        #expect(result.summary.text.contains("buffer evictions \(reassembly.bufferEvictions)"))
        #expect(result.summary.text.contains("peak buffered \(reassembly.peakBufferedBytes) bytes"))
    }

    @Test("holes in many flows together stop at maxBufferedBytesTotal")
    func outOfOrderFloodAcrossFlows() throws {
        var limits = Limits.default
        limits.maxBufferedBytesTotal = 1 << 20
        var pcap = HostilePcap()
        let payload = [UInt8](repeating: 0x44, count: 1_000)
        for flow in 0..<40 {
            var conversation = HostileConversation(clientPort: 30_000 + UInt16(flow))
            conversation.handshake(into: &pcap)
            let start = conversation.clientNext &+ 1_000
            for index in 0..<100 {
                conversation.packet(
                    fromClient: true, flags: [.psh], payload: payload, sequence: start &+ UInt32(index * 1_000),
                    into: &pcap)
            }
        }
        let result = try Self.analyze(pcap.bytes, limits: limits)
        let reassembly = result.summary.reassembly
        #expect(reassembly.peakBufferedBytes <= (1 << 20) + 1_000)
        #expect(reassembly.bufferEvictions >= 1)
        #expect(reassembly.connectionsOpened == 40)
    }
}
