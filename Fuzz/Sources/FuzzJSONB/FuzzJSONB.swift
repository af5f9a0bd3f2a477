import DubboWire
import FastJSON2
import FuzzSupport
import Hessian2
import InspectorCore

/// fastjson2 JSONB documents, and cut-off Dubbo bodies of every serializer (the partial-body path).
///
/// Input: byte 0 picks the mode (bit 7 clear: one JSONB document; set: a Dubbo body whose flags and status are bytes
/// 2 and 3, and whose captured head is the first `byte 4 × 4` bytes), byte 1 the limits (bit 0: small) and the JSON
/// budget (bits 1-7), then the bytes.
///
/// Invariants checked besides "no trap": every rendered value is valid JSON; errors are one line; the value count
/// stays within its limit; decoding the same document twice gives the same value; a cut-off head gives only
/// fields that the whole body gives too (nothing past the cut is guessed), and never an undecoded reason for a
/// body that decodes cleanly whole; the string-map fast path (attachments) agrees with the general decoder.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONB(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzInput(data, size)
    let mode = input.byte()
    let settings = input.byte()
    var limits = Limits.fuzzing(settings)
    if settings & 1 == 1 {
        limits.maxJSONBSymbols = 4
        limits.maxJSONBPathLength = 16
        limits.maxJSONBBigNumberBytes = 8
    }
    let budget = 16 + Int(settings >> 1) * 32
    if mode & 0x80 == 0 {
        checkDocument(input.rest(), limits: limits, budget: budget)
    } else {
        let flags = input.byte()
        let status = input.byte()
        let cut = Int(input.byte()) * 4
        checkCutBody(input.rest(), flags: flags, status: status, cut: cut, limits: limits, budget: budget)
    }
    return 0
}

private func checkDocument(_ bytes: [UInt8], limits: Limits, budget: Int) {
    var decoder = JSONBDecoder(limits: limits)
    var first: Result<HessianValue, JSONBError>
    do {
        first = .success(try decoder.decodeDocument(bytes.span))
    } catch {
        first = .failure(error)
    }
    invariant(decoder.valuesDecoded <= limits.maxValuesPerBody + 1, "values over the limit")
    decoder.reset()
    var second: Result<HessianValue, JSONBError>
    do {
        second = .success(try decoder.decodeDocument(bytes.span))
    } catch {
        second = .failure(error)
    }
    switch (first, second) {
    case (.success(let a), .success(let b)):
        invariant(Identical.values(a, b), "the same document decodes differently")
        checkJSON(a, budget: budget)
    case (.failure(let a), .failure(let b)):
        invariant(a == b, "the same document fails differently: \(a) / \(b)")
        invariant(!a.description.contains("\n"), "error message is not one line")
        invariant(a.offset >= 0 && a.offset <= bytes.count, "error offset \(a.offset) outside the document")
    default:
        invariant(false, "the same document decodes once and fails once")
    }
    // The attachments fast path answers exactly as the general decoder, or declines with the count untouched.
    decoder.reset()
    do throws(JSONBError) {
        if let map = try decoder.decodeStringMap(bytes.span) {
            guard case .success(.map(let general)) = first else { return invariant(false, "a string map the general path rejects") }
            invariant(Identical.values(.map(map), .map(general)), "the string-map path decodes differently")
        } else {
            invariant(decoder.valuesDecoded == 0, "a declined string map left values counted")
        }
    } catch {
        invariant(first == .failure(error), "the string-map path fails differently: \(error) / \(first)")
    }
}

private func checkJSON(_ value: HessianValue, budget: Int) {
    var writer = JSONWriter()
    var left = budget
    value.writeJSON(to: &writer, budget: &left)
    invariant(JSONCheck.isValid(writer.string), "invalid JSON: \(writer.string.prefix(300))")
}

private func checkCutBody(_ body: [UInt8], flags: UInt8, status: UInt8, cut: Int, limits: Limits, budget: Int) {
    let header = DubboFrameHeader(flags: flags, status: status, requestID: 1, bodyLength: Int32(body.count))
    let whole = DubboFrameInfo(
        header: header, streamOffset: 0, firstByteTime: .zero, lastByteTime: .zero, bodyState: .complete,
        foundByResync: false)
    var cutInfo = whole
    cutInfo.bodyState = .truncated
    let head = Array(body.prefix(min(cut, DubboStreamDecoder.partialHeadLength)))
    var decoder = DubboBodyDecoder(limits: limits, depth: .full)
    let full = decoder.decode(whole, body: body.span)
    let partial = decoder.decode(cutInfo, body: head.span)
    switch partial {
    case .request(let p):
        invariant(p.isPartial, "a cut-off request is not marked partial")
        for argument in p.arguments { checkJSON(argument, budget: budget) }
        guard case .request(let f) = full, f.decodeError == nil else { return }
        // Every field the head gives, the whole body gives identically.
        invariant(p.dubboVersion == nil || p.dubboVersion == f.dubboVersion, "dubbo version guessed")
        invariant(p.service == nil || p.service == f.service, "service guessed")
        invariant(p.version == nil || p.version == f.version, "version guessed")
        invariant(p.method == nil || p.method == f.method, "method guessed")
        invariant(p.parameterDescriptor == nil || p.parameterDescriptor == f.parameterDescriptor, "descriptor guessed")
        invariant(p.arguments.count <= f.arguments.count, "more arguments than the body has")
        invariant(zip(p.arguments, f.arguments).allSatisfy { Identical.values($0, $1) }, "an argument guessed")
        invariant(p.attachments == nil || Identical.optional(p.attachments, f.attachments, Identical.maps), "attachments guessed")
        invariant(p.decodeError == nil || header.serialization != .fastjson2, "a clean fastjson2 body is undecoded when cut")
    case .response(let p):
        invariant(p.isPartial, "a cut-off response is not marked partial")
        guard case .response(let f) = full, f.decodeError == nil else { return }
        invariant(p.resultFlag == nil || p.resultFlag == f.resultFlag, "result flag guessed")
        invariant(p.errorMessage == nil || p.errorMessage == f.errorMessage, "error message guessed")
        if case .object(let cut)? = p.exception, case .object(let whole)? = f.exception {
            invariant(cut.className == whole.className, "exception class guessed")
        }
    case .missing:
        break
    default:
        invariant(head.isEmpty || header.isEvent, "a cut-off body decoded as \(partial)")
    }
}
