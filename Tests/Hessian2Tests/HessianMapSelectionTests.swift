import Hessian2
import InspectorCore
import TestSupport
import Testing

/// `decodeMap(in:keepingKeys:)` against `decodeValue`, its reference: the same value with the other entries left
/// out, and the same offsets, tables, counts and errors.
@Suite("Decoding a map for a few of its keys")
struct HessianMapSelectionTests {
    static let keySets: [[String]] = [[], ["k"], ["group", "timeout", "remote.application"], ["b", "f", "s", "k"]]

    /// The request attachments of V-REQ-1 (PROTOCOL.md), after its five strings and one argument.
    static var requestAttachments: [UInt8] {
        var decoder = HessianDecoder()
        let body = DubboBodyTests.vReq1
        for _ in 0..<5 { _ = try? decoder.decodeString(in: body.span) }
        try? decoder.skipValue(in: body.span)
        return Array(body[decoder.offset...])
    }

    /// A map with what makes keeping entries delicate: non-string keys, a kept value that is itself a map, a class
    /// definition before an object value, a reference back to a skipped list, chunked and non-ASCII strings.
    static let awkwardMap: [UInt8] = {
        var bytes: [UInt8] = [0x48]
        func string(_ text: String) -> [UInt8] {
            let utf8 = Array(text.utf8)
            return [UInt8(text.utf16.count)] + utf8
        }
        bytes += string("path") + string("com.example.Service")
        bytes += [0x91] + string("int key")
        bytes += string("group") + string("grüße")
        bytes += string("skipped") + [0x7A, 0x91, 0x92]  // a two-int untyped list, reference 1
        bytes += string("timeout") + [0x51, 0x91]  // a reference to the skipped list
        bytes += string("remote.application") + [0x48] + string("inner") + string("x") + [0x5A]
        bytes += string("object") + [0x43] + string("Pair") + [0x92] + string("a") + string("b") + [0x60, 0x91, 0x92]
        bytes += string("chunked") + [0x52, 0x00, 0x02] + Array("ab".utf8) + [0x01] + Array("c".utf8)
        // Five units like "group", not ASCII: not kept. "group" again, in two chunks: kept, as a repeated key is.
        bytes += string("grüpe") + string("no")
        bytes += [0x52, 0x00, 0x03] + Array("gro".utf8) + [0x02] + Array("up".utf8) + string("again")
        bytes += [0x5A]
        return bytes
    }()

    static var inputs: [(name: String, bytes: [UInt8])] {
        ProtocolVectors.all.map { ($0.name, $0.bytes) }
            + [("V-REQ-1 attachments", requestAttachments), ("awkward map", awkwardMap),
               ("typed map", [0x4D, 0x05] + Array("a.Map".utf8) + [0x01] + Array("k".utf8) + [0x91, 0x5A])]
    }

    /// Both decoders' outcome on `bytes`, compared; returns the full decode's value when there was one.
    @discardableResult
    static func compare(_ bytes: [UInt8], keys: [String], _ name: String) -> HessianValue? {
        var full = HessianDecoder()
        var selective = HessianDecoder()
        let fullResult = Result { () throws(HessianError) in try full.decodeValue(in: bytes.span) }
        let selectiveResult = Result { () throws(HessianError) in try selective.decodeMap(in: bytes.span, keepingKeys: HessianKeys(keys)) }
        switch (fullResult, selectiveResult) {
        case (.success(let value), .success(let selected)):
            #expect(selective.offset == full.offset, "\(name)")
            #expect(selective.valuesDecoded == full.valuesDecoded, "\(name)")
            #expect(selective.referenceCount == full.referenceCount, "\(name)")
            #expect(selective.classDefinitionCount == full.classDefinitionCount, "\(name)")
            #expect(selective.typeCount == full.typeCount, "\(name)")
            let expected = expectedSelection(of: value, keys: keys)
            guard case .map(let selectedMap) = selected, case .map(let expectedMap) = expected else {
                #expect(render(selected) == render(expected), "\(name) keys \(keys)")
                return value
            }
            #expect(selectedMap.type == expectedMap.type, "\(name)")
            #expect(selectedMap.entries.map(\.key) == expectedMap.entries.map(\.key), "\(name) keys \(keys)")
            for (mine, reference) in zip(selectedMap.entries, expectedMap.entries) {
                // A kept value that refers back to a skipped container says where, as after `skipValue`.
                if case .reference = mine.value, reference.value.isContainer { continue }
                #expect(render(mine.value) == render(reference.value), "\(name) keys \(keys)")
            }
            return value
        case (.failure(let error), .failure(let selectedError)):
            #expect(selectedError == error, "\(name)")
        default:
            Issue.record("\(name): decodeValue \(fullResult), decodeMap \(selectiveResult)")
        }
        return nil
    }

    /// What keeping `keys` should give: a map's entries with one of those string keys; any other value as it is.
    static func expectedSelection(of value: HessianValue, keys: [String]) -> HessianValue {
        guard case .map(let map) = value else { return value }
        let kept = map.entries.filter { entry in
            if case .string(let key) = entry.key { return keys.contains(key) }
            return false
        }
        return .map(HessianMap(type: map.type, entries: kept))
    }

    /// Compared as JSON: `==` is false for equal NaNs.
    static func render(_ value: HessianValue) -> String {
        var writer = JSONWriter()
        var budget = Int.max
        value.writeJSON(to: &writer, budget: &budget)
        return writer.string
    }

    @Test("every protocol vector and request attachments: the selected entries, the same offsets and tables")
    func sameAsDecodeValue() {
        for input in Self.inputs {
            for keys in Self.keySets { Self.compare(input.bytes, keys: keys, input.name) }
        }
    }

    @Test("the awkward map keeps exactly the asked-for string keys, skipped values still registered")
    func awkwardMapEntries() throws {
        var decoder = HessianDecoder()
        let value = try decoder.decodeMap(in: Self.awkwardMap.span, keepingKeys: ["group", "timeout", "remote.application"])
        guard case .map(let map) = value else {
            Issue.record("not a map: \(value)")
            return
        }
        #expect(map.entries.map(\.key) == [.string("group"), .string("timeout"), .string("remote.application"), .string("group")])
        #expect(map.entries[3].value == .string("again"))
        #expect(map.entries[0].value == .string("grüße"))
        // The list it refers to was skipped, so the reference says where, as after `skipValue`.
        #expect(map.entries[1].value == .reference(1))
        #expect(map.entries[2].value == .map(HessianMap(type: nil, entries: [.init(key: .string("inner"), value: .string("x"))])))
        #expect(decoder.offset == Self.awkwardMap.count)
        #expect(decoder.classDefinitionCount == 1)
        #expect(Self.compare(Self.awkwardMap, keys: ["group"], "awkward") != nil)
    }

    @Test("every prefix and 2 000 random corruptions: the same error as decodeValue, or the same selection")
    func hostileInput() {
        for input in Self.inputs where input.bytes.count <= 2_100 {
            for length in 0..<input.bytes.count {
                Self.compare(Array(input.bytes.prefix(length)), keys: ["k", "group"], "\(input.name) prefix \(length)")
            }
        }
        var random = SeededRandom(seed: 0x6D61_7073)
        let maps = [Self.awkwardMap, Self.requestAttachments]
        for round in 0..<2_000 {
            var bytes = maps[round % maps.count]
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            Self.compare(bytes, keys: ["group", "timeout", "remote.application"], "corruption \(round)")
        }
    }
}

extension HessianValue {
    fileprivate var isContainer: Bool {
        switch self {
        case .list, .map, .object: true
        default: false
        }
    }
}
