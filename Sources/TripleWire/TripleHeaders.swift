import Hessian2
import InspectorCore
import NIOHPACK

/// One decoded header block and what Triple reads from it (PROTOCOL.md §7.2). A class, so a block that
/// `HeaderBlockMemory` answers again and again works out its request or response meaning once: applying it to a
/// call is then a few assignments, not a pass over the fields that splits `:path` and parses `grpc-timeout`.
/// Confined to the analysis thread that decoded it, like the memory holding it.
final class DecodedHeaderBlock {
    let fields: HPACKHeaders
    private var requestMeaning: TripleRequestHeaders?
    private var responseMeaning: TripleResponseHeaders?

    init(_ fields: HPACKHeaders) {
        self.fields = fields
    }

    /// The block read as a request's HEADERS.
    var request: TripleRequestHeaders {
        if let requestMeaning { return requestMeaning }
        let meaning = TripleRequestHeaders(fields)
        requestMeaning = meaning
        return meaning
    }

    /// The block read as response headers or trailers. Every decoder sharing a memory has the same limits, so the
    /// depth is the same on every call.
    func response(maxProtobufDepth: Int) -> TripleResponseHeaders {
        if let responseMeaning { return responseMeaning }
        let meaning = TripleResponseHeaders(fields, maxProtobufDepth: maxProtobufDepth)
        responseMeaning = meaning
        return meaning
    }
}

/// What a request's HEADERS say: the call's name, version, group, caller, deadline, how its messages are encoded,
/// and the other headers as attachments. A header sent twice keeps its last value. A class, so applying a remembered
/// block's meaning to a call reads its fields in place instead of copying them all out first.
final class TripleRequestHeaders {
    var path: String?
    var service: String?
    var method: String?
    var version: String?
    var group: String?
    var application: String?
    var contentType: String?
    var content = TripleContentType(nil)
    var timeoutMicroseconds: Int64?
    var encoding: String?
    var attachments: [(name: String, value: String)] = []

    init(_ fields: HPACKHeaders) {
        for (name, value, _) in fields {
            switch Name(name) {
            case .path:
                path = value
                (service, method) = Self.serviceAndMethod(path: value)
            case .transport: break
            case .contentType:
                contentType = value
                content = TripleContentType(value)
            case .version: version = value
            case .group: group = value
            case .application: application = value
            case .timeout: timeoutMicroseconds = Self.timeoutMicroseconds(value)
            case .encoding: encoding = value
            case .other: attachments.append((name, value))
            }
        }
    }

    /// Sets a new stream's call from these headers (`content` and `encoding` are the stream's to keep).
    func apply(to call: inout TripleCall) {
        call.path = path
        call.service = service
        call.method = method
        call.version = version
        call.group = group
        call.application = application
        call.contentType = contentType
        call.timeoutMicroseconds = timeoutMicroseconds
        call.attachments = attachments
    }

    /// The request header names Triple reads. Told apart by length first, so a name is compared with at most two
    /// others (a switch over strings tries every case in turn, slowly for names over 15 bytes).
    enum Name: Equatable {
        case path, contentType, version, group, application, timeout, encoding
        /// `:method`, `:scheme`, `:authority`, `te`: the same on every gRPC request.
        case transport
        /// An attachment.
        case other

        init(_ name: String) {
            self = switch name.utf8.count {
            case 2 where name == "te": .transport
            case 5 where name == ":path": .path
            case 7 where name == ":method" || name == ":scheme": .transport
            case 10 where name == ":authority": .transport
            case 12 where name == "content-type": .contentType
            case 12 where name == "grpc-timeout": .timeout
            case 13 where name == "grpc-encoding": .encoding
            case 17 where name == "tri-service-group": .group
            case 19 where name == "tri-service-version": .version
            case 20 where name == "tri-consumer-appname": .application
            default: .other
            }
        }
    }

    /// `:path` `/<interface>/<method>` split at its last `/` (no method when there is none).
    static func serviceAndMethod(path: String) -> (service: String, method: String?) {
        var utf8 = Substring(path).utf8
        if utf8.first == UInt8(ascii: "/") { utf8 = utf8.dropFirst() }
        guard let slash = utf8.lastIndex(of: UInt8(ascii: "/")) else { return (String(Substring(utf8)), nil) }
        return (String(Substring(utf8[..<slash])), String(Substring(utf8[utf8.index(after: slash)...])))
    }

    /// `grpc-timeout` in microseconds: at most 8 ASCII digits and a unit (H M S m u n), gRPC over HTTP/2; a
    /// nanosecond deadline is rounded up so a tiny deadline is not reported as none. nil when malformed.
    static func timeoutMicroseconds(_ text: String) -> Int64? {
        let bytes = text.utf8
        guard bytes.count >= 2, bytes.count <= 9, let unit = bytes.last else { return nil }
        var amount: Int64 = 0
        for byte in bytes.dropLast() {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            amount = amount * 10 + Int64(byte - 0x30)
        }
        // 99 999 999 hours is 3.6e17 µs: no unit overflows Int64.
        switch unit {
        case UInt8(ascii: "H"): return amount * 3_600_000_000
        case UInt8(ascii: "M"): return amount * 60_000_000
        case UInt8(ascii: "S"): return amount * 1_000_000
        case UInt8(ascii: "m"): return amount * 1_000
        case UInt8(ascii: "u"): return amount
        case UInt8(ascii: "n"): return (amount + 999) / 1_000
        default: return nil
        }
    }
}

/// What response headers or trailers say. A stream gets two blocks (headers, then trailers): each field is
/// recorded as present or not, so applying the second block changes only what it carries, as reading its fields
/// onto the call one by one would. A class, as the request's meaning is.
final class TripleResponseHeaders {
    var httpStatus: Int??
    var grpcStatus: Int??
    var grpcMessage: String?
    var exceptionCode: String?
    var encoding: String?
    var statusDetails: HessianValue??
    var attachments: [(name: String, value: String)] = []

    init(_ fields: HPACKHeaders, maxProtobufDepth: Int) {
        for (name, value, _) in fields {
            switch name {
            case ":status": httpStatus = .some(Int(value))
            case "grpc-status": grpcStatus = .some(Int(value))
            case "grpc-message": grpcMessage = PercentDecoding.decode(value)  // percent-encoded UTF-8 (gRPC over HTTP/2)
            case "tri-exception-code": exceptionCode = value
            case "grpc-encoding": encoding = value
            case "grpc-status-details-bin":
                statusDetails = .some(Self.binaryHeaderValue(value).flatMap { bytes in
                    bytes.withUnsafeBufferPointer { try? ProtobufRendering.render($0, maxDepth: maxProtobufDepth) }
                })
            default: attachments.append((name, value))
            }
        }
    }

    /// Sets what these headers carry on the call (`encoding` is the stream's to keep).
    func apply(to call: inout TripleCall) {
        if case .some(let status) = httpStatus { call.httpStatus = status }
        if case .some(let status) = grpcStatus { call.grpcStatus = status }
        if let grpcMessage { call.grpcMessage = grpcMessage }
        if let exceptionCode { call.exceptionCode = exceptionCode }
        if case .some(let details) = statusDetails { call.statusDetails = details }
        if call.responseAttachments.isEmpty {
            call.responseAttachments = attachments  // shares the remembered list's storage: nothing copied
        } else if !attachments.isEmpty {
            // Appending even nothing would make the shared list unique first, copying it.
            call.responseAttachments += attachments
        }
    }

    /// The bytes of a `-bin` header value: base64, padded or not (gRPC over HTTP/2), or — between grpc-core peers
    /// that both announced SETTINGS 0xFE03 — "true binary": a NUL, then the raw bytes. The header decoder hands
    /// values over as text, so raw bytes that were not valid UTF-8 arrive replaced (U+FFFD): nil then, never
    /// bytes that were not sent.
    static func binaryHeaderValue(_ text: String) -> [UInt8]? {
        guard text.utf8.first == 0 else { return base64Decoded(text) }
        guard !text.unicodeScalars.contains("\u{FFFD}") else { return nil }
        return Array(text.utf8.dropFirst())
    }

    /// `-bin` header values are base64, padded or not (gRPC over HTTP/2 spec).
    static func base64Decoded(_ text: String) -> [UInt8]? {
        var bits: UInt32 = 0
        var count = 0
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count * 3 / 4)
        for byte in text.utf8 {
            let value: UInt32
            switch byte {
            case 0x41...0x5A: value = UInt32(byte - 0x41)
            case 0x61...0x7A: value = UInt32(byte - 0x61 + 26)
            case 0x30...0x39: value = UInt32(byte - 0x30 + 52)
            case UInt8(ascii: "+"), UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): value = 63
            case UInt8(ascii: "="): continue
            default: return nil
            }
            bits = bits << 6 | value
            count += 6
            if count >= 8 {
                count -= 8
                output.append(UInt8(truncatingIfNeeded: bits >> UInt32(count)))
            }
        }
        return output
    }
}
