import Hessian2
import InspectorCore

/// fastjson (serialization 6) bodies: every part is one JSON text on its own line (PROTOCOL.md §3.5).
/// JSON values are mapped onto `HessianValue` so that every serializer renders the same way.
enum FastJSONBody {
    /// `partial`: only the body's captured head is here; its last line, unless ended, is the cut and is dropped.
    static func decode(_ header: DubboFrameHeader, body: Span<UInt8>, limits: Limits, partial: Bool = false) -> DubboBody {
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        for index in body.indices {
            let byte = body[index]
            if byte == 0x0A {
                if current.last == 0x0D { current.removeLast() }
                lines.append(current)
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(byte)
            }
        }
        if !current.isEmpty, !partial { lines.append(current) }
        var parts: [HessianValue] = []
        for line in lines {
            var parser = MiniJSONParser(bytes: line, maxDepth: limits.maxHessianDepth)
            guard let value = parser.parseDocument() else {
                if header.isRequest {
                    var request = partialRequest(parts, error: "malformed JSON line \(parts.count + 1)")
                    request.isPartial = partial
                    return .request(request)
                }
                guard partial else { return .undecoded("malformed fastjson line \(parts.count + 1)") }
                var response = DubboResponseBody()
                response.isPartial = true
                response.decodeError = "malformed fastjson line \(parts.count + 1)"
                return .response(response)
            }
            parts.append(value)
        }
        guard partial else {
            return header.isRequest ? .request(partialRequest(parts, error: nil)) : .response(response(header, parts))
        }
        if header.isRequest {
            var request = partialRequest(parts, error: nil)
            request.isPartial = true
            if request.decodeError == "fewer arguments than the descriptor names" {
                request.decodeError = nil
                // Whole arguments before the cut are shown; none at all says nothing about them.
                let first = min(5, parts.count)
                request.arguments = Array(parts[first...])
                request.argumentsDecoded = !request.arguments.isEmpty
            }
            return .request(request)
        }
        var response = response(header, parts)
        response.isPartial = true
        if parts.isEmpty { response.decodeError = nil }
        return .response(response)
    }

    private static func partialRequest(_ parts: [HessianValue], error: String?) -> DubboRequestBody {
        var request = DubboRequestBody()
        request.decodeError = error
        func string(_ index: Int) -> String? {
            guard index < parts.count, case .string(let text) = parts[index] else { return nil }
            return text
        }
        request.dubboVersion = string(0)
        request.service = string(1)
        request.version = string(2) ?? (parts.count > 2 ? "" : nil)
        request.method = string(3)
        request.parameterDescriptor = string(4)
        guard parts.count >= 5, let descriptor = request.parameterDescriptor,
              let parameterCount = ParameterDescriptor.count(descriptor)
        else { return request }
        let argumentEnd = 5 + parameterCount
        if parts.count >= argumentEnd {
            request.arguments = Array(parts[5..<argumentEnd])
            request.argumentsDecoded = true
        } else if request.decodeError == nil {
            request.decodeError = "fewer arguments than the descriptor names"
        }
        if parts.count > argumentEnd, case .map(let map) = parts[argumentEnd] {
            request.attachments = map
        }
        return request
    }

    private static func response(_ header: DubboFrameHeader, _ parts: [HessianValue]) -> DubboResponseBody {
        var response = DubboResponseBody()
        guard header.status == StatusCode.ok.rawValue else {
            if case .string(let message)? = parts.first { response.errorMessage = message }
            return response
        }
        guard let first = parts.first, let flag = first.integerValue.flatMap(ResultFlag.init(rawValue:)) else {
            response.decodeError = "missing or unknown result flag"
            return response
        }
        response.resultFlag = flag
        let payload = parts.count > 1 ? parts[1] : nil
        switch flag {
        case .exception, .exceptionWithAttachments: response.exception = payload
        case .value, .valueWithAttachments: response.value = payload
        case .nullValue, .nullValueWithAttachments: break
        }
        let attachmentIndex = flag == .nullValueWithAttachments ? 1 : 2
        if flag.hasAttachments, attachmentIndex < parts.count, case .map(let map) = parts[attachmentIndex] {
            response.attachments = map
        }
        return response
    }
}

extension HessianValue {
    var integerValue: Int64? {
        switch self {
        case .int(let value): Int64(value)
        case .long(let value): value
        case .double(let value) where value == value.rounded() && abs(value) < 1e18: Int64(value)
        default: nil
        }
    }
}

/// A small strict JSON parser (RFC 8259) producing `HessianValue`s; depth-limited and allocation-bounded by its input.
struct MiniJSONParser {
    let bytes: [UInt8]
    let maxDepth: Int
    var index = 0

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() -> HessianValue? {
        guard let value = parseValue(depth: 0) else { return nil }
        skipWhitespace()
        return index == bytes.count ? value : nil
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private mutating func literal(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        guard bytes.count - index >= utf8.count, Array(bytes[index..<(index + utf8.count)]) == utf8 else { return false }
        index += utf8.count
        return true
    }

    private mutating func parseValue(depth: Int) -> HessianValue? {
        guard depth <= maxDepth else { return nil }
        skipWhitespace()
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "\""): return parseString().map(HessianValue.string)
        case UInt8(ascii: "["):
            index += 1
            var elements: [HessianValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .list(HessianList(type: nil, elements: elements))
            }
            while true {
                guard let element = parseValue(depth: depth + 1) else { return nil }
                elements.append(element)
                skipWhitespace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                guard bytes[index] == UInt8(ascii: "]") else { return nil }
                index += 1
                return .list(HessianList(type: nil, elements: elements))
            }
        case UInt8(ascii: "{"):
            index += 1
            var entries: [HessianMapEntry] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .map(HessianMap(type: nil, entries: entries))
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = parseString() else { return nil }
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                guard let value = parseValue(depth: depth + 1) else { return nil }
                entries.append(HessianMapEntry(key: .string(key), value: value))
                skipWhitespace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                guard bytes[index] == UInt8(ascii: "}") else { return nil }
                index += 1
                return .map(HessianMap(type: nil, entries: entries))
            }
        default:
            return parseNumber()
        }
    }

    private mutating func parseNumber() -> HessianValue? {
        let start = index
        while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
        guard index > start else { return nil }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if let integer = Int64(text) { return .long(integer) }
        return Double(text).map(HessianValue.double)
    }

    private mutating func parseString() -> String? {
        index += 1  // opening quote
        var units: [UInt16] = []
        var scalars = String.UnicodeScalarView()
        func flushUnits() {
            scalars.append(contentsOf: String(decoding: units, as: UTF16.self).unicodeScalars)
            units.removeAll()
        }
        var run: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                flushUnits()
                scalars.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars)
                index += 1
                return String(scalars)
            }
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < bytes.count else { return nil }
                let escape = bytes[index + 1]
                index += 2
                if escape == UInt8(ascii: "u") {
                    guard index + 4 <= bytes.count,
                          let unit = UInt16(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16)
                    else { return nil }
                    index += 4
                    scalars.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars)
                    run.removeAll()
                    units.append(unit)
                    continue
                }
                flushUnits()
                let replacement: UInt8
                switch escape {
                case UInt8(ascii: "n"): replacement = 0x0A
                case UInt8(ascii: "t"): replacement = 0x09
                case UInt8(ascii: "r"): replacement = 0x0D
                case UInt8(ascii: "b"): replacement = 0x08
                case UInt8(ascii: "f"): replacement = 0x0C
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): replacement = escape
                default: return nil
                }
                run.append(replacement)
                continue
            }
            flushUnits()
            run.append(byte)
            index += 1
        }
        return nil
    }
}
