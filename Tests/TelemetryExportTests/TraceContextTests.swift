import Testing
@testable import TelemetryExport

/// Joining the trace a call's attachments carry (W3C traceparent, SkyWalking sw8, EagleEye).
@Suite("OTLP trace context")
struct TraceContextTests {
    // The SkyWalking values below were computed by an independent Python model of the OpenTelemetry Collector's
    // skywalkingreceiver mapping (swStringToUUID / uuidTo8Bytes), not by this code.
    static let swTrace = "56a5e1c519ae4c76a2b8b11d92cead7f.12.16563474296430001"
    static let sw8Header =
        "1-NTZhNWUxYzUxOWFlNGM3NmEyYjhiMTFkOTJjZWFkN2YuMTIuMTY1NjM0NzQyOTY0MzAwMDE=-"
        + "NTZhNWUxYzUxOWFlNGM3NmEyYjhiMTFkOTJjZWFkN2YuMTIuMTY1NjM0NzQyOTY0MzAwMDA=-3-Y29uc3VtZXItYXBw-"
        + "aW5zdGFuY2UtMQ==-L2RlbW8vY2FsbA==-MTAuMC4wLjI6MjA4ODA="

    @Test("a W3C traceparent gives its trace id, parent span id and flags")
    func parsesTraceparent() throws {
        let context = try #require(
            TraceContext.parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        #expect(context.format == .w3c)
        #expect(context.traceID.description == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(context.parentSpanID?.description == "00f067aa0ba902b7")
        #expect(context.traceFlags == 1)
    }

    @Test(
        "invalid traceparents are ignored",
        arguments: [
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // all-zero trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // all-zero parent
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // uppercase
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  // version 00 has no more fields
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",  // short
            "garbage",
        ])
    func rejectsInvalidTraceparent(header: String) {
        #expect(TraceContext.parseTraceparent(header) == nil)
    }

    @Test("a later traceparent version may append fields")
    func acceptsFutureVersionWithMoreFields() {
        let context = TraceContext.parseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-beef")
        #expect(context?.traceID.description == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(context?.traceFlags == 0)
    }

    @Test("sw8 ids map as the Collector's SkyWalking receiver maps them")
    func parsesSW8LikeTheCollector() throws {
        let context = try #require(TraceContext.parseSW8(Self.sw8Header))
        #expect(context.format == .skywalking)
        #expect(context.traceID.description == "56a5e1c515ae4c7613e51e7cf616977f")
        #expect(context.parentSpanID?.description == "4740ffb9e3b8db09")
        #expect(context.originalTraceID == Self.swTrace)
        #expect(context.traceFlags == 1)
    }

    @Test("a SkyWalking UUID trace id is used as it is")
    func skyWalkingUUIDTraceID() {
        #expect(
            TraceContext.skyWalkingTraceID("de5980b8-fce3-4a37-aab9-b4ac3af7eedd")?.description
                == "de5980b8fce34a37aab9b4ac3af7eedd")
    }

    @Test("an sw8 trace id in no known shape still gives a stable id")
    func sw8OtherTraceIDIsHashedStably() throws {
        // "1-" + b64("not-a-uuid") + "-" + b64("seg") + "-0-" ... five more fields
        let header = "1-bm90LWEtdXVpZA==-c2Vn-0-YQ==-Yg==-Yw==-ZA=="
        let first = try #require(TraceContext.parseSW8(header))
        let second = try #require(TraceContext.parseSW8(header))
        #expect(first.traceID == second.traceID)
        #expect(first.traceID.isValid)
        #expect(first.parentSpanID == nil)  // "seg" is no SkyWalking segment id
        #expect(first.originalTraceID == "not-a-uuid")
    }

    @Test("malformed sw8 headers are ignored", arguments: ["1-abc", "2-YQ==-Yg==-0-YQ==-Yg==-Yw==-ZA==", "1-!!-Yg==-0-a-b-c-d"])
    func rejectsMalformedSW8(header: String) {
        #expect(TraceContext.parseSW8(header) == nil)
    }

    @Test("a hex EagleEye id is zero-padded into the trace id")
    func eagleEyeHexIsPadded() {
        let context = TraceContext.parseEagleEye("0ad1348f1403169275002100356696")
        #expect(context?.traceID.description == "000ad1348f1403169275002100356696")
        #expect(context?.parentSpanID == nil)
        #expect(context?.format == .eagleEye)
    }

    @Test("traceparent wins over sw8 and EagleEye; keys are case-insensitive; tracestate comes along")
    func precedence() {
        let headers: [(key: String, value: String)] = [
            ("eagleeye-traceid", "0ad1348f1403169275002100356696"),
            ("sw8", Self.sw8Header),
            ("TraceParent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            ("tracestate", "congo=t61rcWkgMzE"),
        ]
        let context = TraceContext.find(in: headers)
        #expect(context?.format == .w3c)
        #expect(context?.traceState == "congo=t61rcWkgMzE")
    }

    @Test("a broken traceparent falls through to the next format")
    func fallsThroughBrokenTraceparent() {
        let context = TraceContext.find(in: [("traceparent", "00-zz"), ("sw8", Self.sw8Header)])
        #expect(context?.format == .skywalking)
    }

    @Test("base64 decodes with and without padding, and rejects junk")
    func base64() {
        #expect(Base64Text.decode("aW5zdGFuY2UtMQ==") == Array("instance-1".utf8))
        #expect(Base64Text.decode("aW5zdGFuY2UtMQ") == Array("instance-1".utf8))
        #expect(Base64Text.decode("YWJj") == Array("abc".utf8))
        #expect(Base64Text.decode("Y") == nil)
        #expect(Base64Text.decode("a=b=") == nil)
        #expect(Base64Text.decode("a b") == nil)
    }
}
