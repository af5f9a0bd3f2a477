import DubboWire
import FuzzSupport
import Hessian2
import InspectorCore

/// Hessian 2 values and whole Dubbo bodies.
///
/// Input: byte 0 picks the mode (bit 7 clear: a run of raw Hessian values; set: a Dubbo body whose flags and
/// status are bytes 2 and 3), byte 1 the limits (bit 0: small) and the JSON budget (bits 1-7), then the body.
///
/// Invariants checked besides "no trap": `skipValue` agrees with `decodeValue` (same error, same offsets, same
/// table sizes), and so does `decodeMap(keepingKeys:)` (keeping the entries with those keys); every rendered value
/// is valid JSON and its size stays within the budget plus one scalar; metadata-only body decoding agrees with full
/// decoding on every field but the arguments (and, for fastjson2, a malformed returned value, which metadata decoding
/// steps over by its part length), and a report's decoding (only the attachments it reads) with metadata decoding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHessian(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzInput(data, size)
    let mode = input.byte()
    let settings = input.byte()
    let limits = Limits.fuzzing(settings)
    let budget = 16 + Int(settings >> 1) * 32
    if mode & 0x80 == 0 {
        let body = input.rest()
        checkValues(body, limits: limits, budget: budget)
    } else {
        let flags = input.byte()
        let status = input.byte()
        let body = input.rest()
        checkBody(body, flags: flags, status: status, limits: limits, budget: budget)
    }
    return 0
}

private func checkValues(_ body: [UInt8], limits: Limits, budget: Int) {
    var decoder = HessianDecoder(limits: limits)
    var skipper = HessianDecoder(limits: limits)
    var selector = HessianDecoder(limits: limits)
    // Every successful value consumes at least one byte, so this ends within body.count + 1 rounds.
    for _ in 0...body.count {
        let start = decoder.offset
        var decoded: Result<HessianValue, HessianError>
        do {
            decoded = .success(try decoder.decodeValue(in: body.span))
        } catch {
            decoded = .failure(error)
        }
        var skipped: HessianError? = nil
        do {
            try skipper.skipValue(in: body.span)
        } catch {
            skipped = error
        }
        var selected: Result<HessianValue, HessianError>
        do {
            selected = .success(try selector.decodeMap(in: body.span, keepingKeys: HessianKeys(selectedKeys)))
        } catch {
            selected = .failure(error)
        }
        checkSelection(selected, decoded, selector: selector, decoder: decoder)
        switch decoded {
        case .success(let value):
            invariant(skipped == nil, "skip failed with \(String(describing: skipped)) where decode succeeded")
            invariant(decoder.offset > start && decoder.offset <= body.count, "decode did not advance")
            invariant(skipper.offset == decoder.offset, "skip ended at \(skipper.offset), decode at \(decoder.offset)")
            invariant(skipper.valuesDecoded == decoder.valuesDecoded, "value counts differ")
            invariant(skipper.referenceCount == decoder.referenceCount, "reference tables differ")
            invariant(skipper.classDefinitionCount == decoder.classDefinitionCount, "class tables differ")
            invariant(decoder.classDefinitionCount <= limits.maxClassDefinitions, "class definitions over the limit")
            invariant(decoder.valuesDecoded <= limits.maxValuesPerBody, "values over the limit")
            checkJSON(value, budget: budget, bodySize: body.count)
        case .failure(let error):
            invariant(skipped == error, "decode threw \(error), skip \(String(describing: skipped))")
            invariant(!error.description.contains("\n"), "error message is not one line")
            return
        }
        if decoder.offset == body.count { return }
    }
    invariant(false, "value loop did not end")
}

private let selectedKeys = ["group", "timeout", "remote.application", "k"]

/// `decodeMap(keepingKeys:)` against `decodeValue`: the same error, offsets and tables; a map's kept entries are
/// those of its entries whose key is one of the strings, in order.
private func checkSelection(
    _ selected: Result<HessianValue, HessianError>, _ decoded: Result<HessianValue, HessianError>,
    selector: HessianDecoder, decoder: HessianDecoder
) {
    switch (selected, decoded) {
    case (.failure(let mine), .failure(let reference)):
        invariant(mine == reference, "decodeMap threw \(mine), decodeValue \(reference)")
    case (.success(let mine), .success(let reference)):
        invariant(selector.offset == decoder.offset,
                  "decodeMap ended at \(selector.offset), decode at \(decoder.offset)")
        invariant(selector.valuesDecoded == decoder.valuesDecoded, "decodeMap value counts differ")
        invariant(selector.referenceCount == decoder.referenceCount, "decodeMap reference tables differ")
        invariant(selector.classDefinitionCount == decoder.classDefinitionCount, "decodeMap class tables differ")
        guard case .map(let kept) = mine, case .map(let all) = reference else {
            invariant(mine.isMap == reference.isMap, "decodeMap and decodeValue disagree on a map")
            return
        }
        let wanted = all.entries.filter { entry in
            if case .string(let key) = entry.key { return selectedKeys.contains(key) }
            return false
        }
        invariant(kept.entries.map(\.key) == wanted.map(\.key), "decodeMap kept other keys")
    default:
        invariant(false, "decodeMap gave \(selected), decodeValue \(decoded)")
    }
}

extension HessianValue {
    fileprivate var isMap: Bool {
        if case .map = self { return true }
        return false
    }
}

private func checkJSON(_ value: HessianValue, budget: Int, bodySize: Int) {
    var writer = JSONWriter()
    var left = budget
    value.writeJSON(to: &writer, budget: &left)
    let text = writer.string
    invariant(JSONCheck.isValid(text), "invalid JSON: \(text.prefix(300))")
    // Past the budget: at most one scalar (a string of at most bodySize units, each at most 6 bytes escaped, or
    // base64 of at most bodySize bytes) or one non-string map key (its JSON text, at most the room left, escaped:
    // at most twice that), plus a marker and a bracket per level (depth ≤ 64 by default).
    let slack = 6 * bodySize + 2 * budget + 64 * 16 + 64
    invariant(writer.bytes.count <= budget + slack, "JSON of \(writer.bytes.count) bytes for a budget of \(budget)")
    invariant(left == budget - writer.bytes.count, "budget not decreased by the bytes written")
}

private func checkBody(_ body: [UInt8], flags: UInt8, status: UInt8, limits: Limits, budget: Int) {
    let header = DubboFrameHeader(flags: flags, status: status, requestID: 1, bodyLength: Int32(body.count))
    let info = DubboFrameInfo(
        header: header, streamOffset: 0, firstByteTime: .zero, lastByteTime: .zero, bodyState: .complete,
        foundByResync: false)
    var fullDecoder = DubboBodyDecoder(limits: limits, depth: .full)
    var metadataDecoder = DubboBodyDecoder(limits: limits, depth: .metadata)
    let full = fullDecoder.decode(info, body: body.span)
    let metadata = metadataDecoder.decode(info, body: body.span)
    // What a report decodes: the attachments its records read, stepping over the others.
    var reportDecoder = DubboBodyDecoder(limits: limits, depth: .metadata, requestAttachmentKeys: selectedKeys)
    if case .request(let reference) = metadata,
       case .request(let report) = reportDecoder.decode(info, body: body.span) {
        invariant(report.service == reference.service && report.method == reference.method
                  && report.parameterDescriptor == reference.parameterDescriptor, "report-depth request fields differ")
        invariant(report.decodeError == reference.decodeError,
                  "report-depth errors differ: \(report.decodeError ?? "-") / \(reference.decodeError ?? "-")")
        if header.serialization == .hessian2, let all = reference.attachments {
            let wanted = all.entries.filter { entry in
                if case .string(let key) = entry.key { return selectedKeys.contains(key) }
                return false
            }
            invariant(report.attachments?.entries.map(\.key) == wanted.map(\.key), "report-depth attachments differ")
        }
    }
    // Decoding twice with the same decoder (interned strings, reused tables) must give the same body again.
    let again = fullDecoder.decode(info, body: body.span)
    invariant(Identical.bodies(full, again), "a reused decoder decodes the same body differently")
    switch (full, metadata) {
    case (.request(let a), .request(let b)):
        invariant(a.service == b.service && a.method == b.method && a.version == b.version, "request fields differ")
        invariant(a.parameterDescriptor == b.parameterDescriptor, "descriptors differ")
        if header.serialization == .hessian2 {
            invariant(a.decodeError == b.decodeError, "errors differ: \(a.decodeError ?? "-") / \(b.decodeError ?? "-")")
            invariant(Identical.optional(a.attachments, b.attachments, Identical.maps), "attachments differ")
        }
        for argument in a.arguments { checkJSON(argument, budget: budget, bodySize: body.count) }
        if let attachments = a.attachments { checkJSON(.map(attachments), budget: budget, bodySize: body.count) }
    case (.response(let a), .response(let b)):
        // Metadata decoding steps over the returned value; everything else must agree.
        invariant(b.value == nil, "metadata decoding built a returned value")
        var withoutValue = a
        withoutValue.value = nil
        if failsInFastJSON2ReturnedValue(a, header: header, body: body) {
            // A fastjson2 value is its own length-prefixed part: metadata decoding steps over it by that length
            // without reading it (FastJSON2Body, `Depth.metadata`), so only full decoding sees that it is malformed,
            // and only metadata decoding reads on to the attachments. What comes before the value must agree.
            invariant(a.resultFlag == b.resultFlag && a.errorMessage == b.errorMessage
                      && Identical.optional(a.exception, b.exception, Identical.values),
                      "responses differ before a malformed fastjson2 value")
        } else {
            invariant(Identical.responses(withoutValue, b), "responses differ between full and metadata decoding")
        }
        for value in [a.value, a.exception, a.attachments.map(HessianValue.map)].compactMap({ $0 }) {
            checkJSON(value, budget: budget, bodySize: body.count)
        }
        if let summary = a.exceptionSummary { _ = summary.count }
    case (.event(let a), .event(let b)):
        invariant(Identical.optional(a, b, Identical.values), "events differ")
        if let a { checkJSON(a, budget: budget, bodySize: body.count) }
    default:
        invariant(full == metadata || isSameKind(full, metadata), "body kinds differ: \(full) / \(metadata)")
    }
}

/// Whether full decoding of a fastjson2 response stopped at its returned value (the part after the result flag's).
private func failsInFastJSON2ReturnedValue(_ response: DubboResponseBody, header: DubboFrameHeader, body: [UInt8]) -> Bool {
    guard header.serialization == .fastjson2, response.resultFlag == .value || response.resultFlag == .valueWithAttachments,
          let error = response.decodeError, body.count >= 4
    else { return false }
    let flagLength = body.prefix(4).reduce(0) { $0 << 8 | Int($1) }
    return error.hasPrefix("part at offset \(4 + flagLength): ")
}

private func isSameKind(_ a: DubboBody, _ b: DubboBody) -> Bool {
    switch (a, b) {
    case (.heartbeat, .heartbeat), (.undecoded, .undecoded), (.missing, .missing): true
    default: false
    }
}
