/// A trace that a call's attachments say it belongs to: the span exported for the call joins it.
///
/// Three propagation formats are read, first match wins in this order:
/// * W3C `traceparent` (`00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`, W3C Trace Context §3.2),
///   with `tracestate` passed through. Trace id and parent span id are used as they are.
/// * SkyWalking `sw8` (`<sample>-<b64 trace id>-<b64 segment id>-<span id>-<b64 service>-<b64 instance>-
///   <b64 endpoint>-<b64 address>`, SkyWalking Cross Process Propagation Headers Protocol v3). The ids are mapped
///   the way the OpenTelemetry Collector's SkyWalking receiver maps them (`swTraceIDToTraceID`,
///   `segmentIDToSpanID` in opentelemetry-collector-contrib `receiver/skywalkingreceiver`), so the parent is the
///   span that receiver makes of the SkyWalking span which made the call.
/// * `EagleEye-TraceID` (Alibaba): a hex id of up to 32 digits is zero-padded on the left, so the original id is
///   still readable in the trace id; anything else is hashed. The format names no parent span id.
package struct TraceContext: Sendable, Equatable {
    package enum Format: String, Sendable, Equatable {
        case w3c = "traceparent"
        case skywalking = "sw8"
        case eagleEye = "eagleeye"
    }

    package var format: Format
    package var traceID: TraceID
    package var parentSpanID: SpanID?
    /// W3C trace flags (bit 0: sampled); SkyWalking's sample flag maps to the same bit.
    package var traceFlags: UInt8
    /// The W3C `tracestate` that came with a `traceparent`, passed through unchanged.
    package var traceState: String?
    /// The trace id as the format wrote it (for SkyWalking and EagleEye, whose ids are not OTel ids).
    package var originalTraceID: String

    package init(
        format: Format, traceID: TraceID, parentSpanID: SpanID?, traceFlags: UInt8 = 1, traceState: String? = nil,
        originalTraceID: String
    ) {
        self.format = format
        self.traceID = traceID
        self.parentSpanID = parentSpanID
        self.traceFlags = traceFlags
        self.traceState = traceState
        self.originalTraceID = originalTraceID
    }

    /// The first usable context among `headers` (attachment key → string value; keys compared case-insensitively).
    /// A malformed header is skipped, and the next format is tried.
    package static func find(in headers: [(key: String, value: String)]) -> TraceContext? {
        func value(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name }?.value
        }
        if let header = value("traceparent"), var context = parseTraceparent(header) {
            if let state = value("tracestate"), state.utf8.count <= 512 { context.traceState = state }
            return context
        }
        if let header = value("sw8"), let context = parseSW8(header) { return context }
        if let header = value("eagleeye-traceid"), let context = parseEagleEye(header) { return context }
        return nil
    }

    // MARK: W3C

    /// `version-traceid-parentid-flags`. Version `ff` is invalid; a later version may append `-…` fields, which are
    /// ignored (§3.2.4). All-zero ids are invalid.
    package static func parseTraceparent(_ header: String) -> TraceContext? {
        let text = header.trimmingSpaces
        let bytes = Array(text.utf8)
        guard bytes.count >= 55, bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"),
            bytes[52] == UInt8(ascii: "-")
        else { return nil }
        // Lowercase hex only (W3C `HEXDIGLC`); an id with other characters is invalid and ignored.
        let lowercaseHex = { (byte: UInt8) in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
        }
        guard bytes[0..<55].enumerated().allSatisfy({ [2, 35, 52].contains($0.offset) || lowercaseHex($0.element) })
        else { return nil }
        guard let version = UInt64(hexDigits: bytes[0..<2]), version != 0xFF else { return nil }
        guard version != 0 || bytes.count == 55 else { return nil }
        if bytes.count > 55, bytes[55] != UInt8(ascii: "-") { return nil }
        guard let traceID = TraceID(hex: String(decoding: bytes[3..<35], as: UTF8.self)),
            let parent = SpanID(hex: String(decoding: bytes[36..<52], as: UTF8.self)),
            let flags = UInt64(hexDigits: bytes[53..<55])
        else { return nil }
        return TraceContext(
            format: .w3c, traceID: traceID, parentSpanID: parent, traceFlags: UInt8(flags),
            originalTraceID: traceID.description)
    }

    // MARK: SkyWalking

    /// `sw8`: eight `-`-separated fields; the trace id (field 2) and parent segment id (field 3) are base64, the
    /// parent span id (field 4) a decimal integer.
    package static func parseSW8(_ header: String) -> TraceContext? {
        let fields = header.trimmingSpaces.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 8, let sample = fields.first, sample == "0" || sample == "1",
            let rawTrace = Base64Text.decode(fields[1]), let traceText = String(validatingUTF8Bytes: rawTrace),
            !traceText.isEmpty
        else { return nil }
        let traceID = skyWalkingTraceID(traceText) ?? hashedTraceID(format: .skywalking, traceText)
        var parent: SpanID?
        if let rawSegment = Base64Text.decode(fields[2]), let segment = String(validatingUTF8Bytes: rawSegment),
            let spanNumber = UInt32(fields[3])
        {
            parent = skyWalkingSpanID(segment: segment, span: spanNumber)
        }
        return TraceContext(
            format: .skywalking, traceID: traceID, parentSpanID: parent, traceFlags: sample == "1" ? 1 : 0,
            originalTraceID: traceText)
    }

    /// The Collector receiver's trace id rule: a UUID (32 hex digits, dashes allowed) is the id; the Java agent's
    /// `<32 hex>.<int>.<int>` is the UUID with the two numbers XORed, little-endian, into bytes 4–7 and 8–15.
    static func skyWalkingTraceID(_ text: String) -> TraceID? {
        if text.utf8.count <= 36 {
            let digits = text.utf8.filter { $0 != UInt8(ascii: "-") }
            guard digits.count == 32 else { return nil }
            return TraceID(hex: String(decoding: digits, as: UTF8.self))
        }
        guard let bytes = skyWalkingUUID(text, extra: 0) else { return nil }
        let id = TraceID(bytes: bytes)
        return id.isValid ? id : nil
    }

    /// The Collector receiver's span id rule: the segment id's UUID with the span number XORed into bytes 0–3,
    /// folded to 8 bytes by XORing its halves.
    static func skyWalkingSpanID(segment: String, span: UInt32) -> SpanID? {
        guard segment.utf8.count >= 32, let bytes = skyWalkingUUID(segment, extra: span) else { return nil }
        var folded: UInt64 = 0
        for index in 0..<8 { folded = folded << 8 | UInt64(bytes[index] ^ bytes[index + 8]) }
        return folded == 0 ? nil : SpanID(folded)
    }

    private static func skyWalkingUUID(_ text: String, extra: UInt32) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 32 else { return nil }
        var uuid = [UInt8](repeating: 0, count: 16)
        for index in 0..<16 {
            guard let high = hexNibble(utf8[2 * index]), let low = hexNibble(utf8[2 * index + 1]) else { return nil }
            uuid[index] = high << 4 | low
        }
        for index in 0..<4 { uuid[index] ^= UInt8(truncatingIfNeeded: extra >> (8 * UInt32(index))) }
        if utf8.count == 32 { return uuid }
        guard utf8[32] == UInt8(ascii: "."), let last = utf8.lastIndex(of: UInt8(ascii: ".")), last > 32,
            let middle = Int64(String(decoding: utf8[33..<last], as: UTF8.self)),
            let tail = Int64(String(decoding: utf8[(last + 1)...], as: UTF8.self))
        else { return nil }
        for index in 0..<4 { uuid[4 + index] ^= UInt8(truncatingIfNeeded: middle >> (8 * Int64(index))) }
        for index in 0..<8 { uuid[8 + index] ^= UInt8(truncatingIfNeeded: tail >> (8 * Int64(index))) }
        return uuid
    }

    // MARK: EagleEye

    /// `EagleEye-TraceID`: hex ids up to 32 digits are left-padded with zeros; other text (up to 256 bytes) is
    /// hashed to a stable id.
    package static func parseEagleEye(_ header: String) -> TraceContext? {
        let text = header.trimmingSpaces
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty, utf8.count <= 256 else { return nil }
        var traceID: TraceID?
        if utf8.count <= 32, utf8.allSatisfy({ hexNibble($0) != nil }) {
            let padded = String(repeating: "0", count: 32 - utf8.count) + text
            traceID = TraceID(hex: padded)
        }
        return TraceContext(
            format: .eagleEye, traceID: traceID ?? hashedTraceID(format: .eagleEye, text), parentSpanID: nil,
            originalTraceID: text)
    }

    static func hashedTraceID(format: Format, _ text: String) -> TraceID {
        var high = StableHash(domain: 11)
        var low = StableHash(domain: 12)
        high.combine(format.rawValue)
        high.combine(text)
        low.combine(format.rawValue)
        low.combine(text)
        return TraceID(high: high.finalize(), low: low.finalize())
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (header values are often padded).
    var trimmingSpaces: String {
        let utf8 = Array(self.utf8)
        var start = 0
        var end = utf8.count
        while start < end, utf8[start] == 0x20 || utf8[start] == 0x09 { start += 1 }
        while end > start, utf8[end - 1] == 0x20 || utf8[end - 1] == 0x09 { end -= 1 }
        return String(decoding: utf8[start..<end], as: UTF8.self)
    }
}

extension String {
    /// `nil` unless `bytes` are valid UTF-8.
    init?(validatingUTF8Bytes bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        self = text
    }
}
