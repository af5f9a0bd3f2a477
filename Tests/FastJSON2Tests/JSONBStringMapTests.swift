import FastJSON2
import Hessian2
import InspectorCore
import Testing

/// `decodeStringMap`, the attachments fast path: wherever it answers, it answers exactly as `decodeDocument` does.
@Suite struct JSONBStringMapTests {
    enum Outcome: Equatable {
        case map(HessianMap)
        case declined
        case error(JSONBError)
    }

    static func fast(_ bytes: [UInt8], limits: Limits = .default) -> (Outcome, valuesAfter: Int) {
        var decoder = JSONBDecoder(limits: limits)
        let outcome: Outcome = bytes.withUnsafeBufferPointer { pointer in
            do throws(JSONBError) {
                guard let map = try decoder.decodeStringMap(pointer.span) else { return .declined }
                return .map(map)
            } catch {
                return .error(error)
            }
        }
        return (outcome, decoder.valuesDecoded)
    }

    static func general(_ bytes: [UInt8], limits: Limits = .default) -> Outcome {
        do throws(JSONBError) {
            switch try decode(bytes, limits: limits) {
            case .map(let map): return .map(map)
            default: return .declined
            }
        } catch {
            return .error(error)
        }
    }

    static let attachments: [UInt8] = [0xA6] + s("path") + s("org.apache.dubbo.Demo") + s("timeout") + s("3000")
        + [0x7F] + s("remote.application") + [0x01] + s("consumer-app") + [0xA5]

    @Test("a map of strings (symbols too) is the map decodeDocument gives, values counted alike")
    func sameMap() throws {
        let (outcome, values) = Self.fast(Self.attachments)
        #expect(outcome == Self.general(Self.attachments))
        guard case .map(let map) = outcome else { Issue.record("declined: \(outcome)"); return }
        #expect(map.entries.map { $0.key.stringValue } == ["path", "timeout", "remote.application"])
        #expect(map.entries.last?.value.stringValue == "consumer-app")
        #expect(values == 7)  // the object, three keys, three values
        #expect(Self.fast([0xA6, 0xA5]).0 == .map(HessianMap()))
    }

    @Test("anything but strings is declined, the value count untouched, and decodeDocument takes it",
          arguments: [
              [0xA6] + s("n") + [0x05, 0xA5],                                   // an int value
              [0xA6] + s("m") + [0xA6, 0xA5, 0xA5],                             // a nested object
              [0xA6] + s("a") + s("x") + s("b") + [0x93] + s("$.a") + [0xA5],   // a reference
              [0x05, 0xE5] as [UInt8],                                          // not a document of one object
              [0xAF],                                                           // null
              [0x92] + s("java.util.HashMap") + [0x00, 0xA6, 0xA5],             // a typed map
          ] as [[UInt8]])
    func declined(bytes: [UInt8]) {
        let (outcome, values) = Self.fast(bytes)
        #expect(outcome == .declined)
        #expect(values == 0)
    }

    @Test("every cut of the attachments, trailing bytes and the value limit fail as decodeDocument fails")
    func sameErrors() {
        for cut in 0..<Self.attachments.count {
            let prefix = Array(Self.attachments.prefix(cut))
            let (outcome, _) = Self.fast(prefix)
            if outcome != .declined { #expect(outcome == Self.general(prefix), "cut at \(cut)") }
        }
        let trailing = Self.attachments + [0x00]
        #expect(Self.fast(trailing).0 == Self.general(trailing))
        var tight = Limits.default
        tight.maxValuesPerBody = 4
        #expect(Self.fast(Self.attachments, limits: tight).0 == Self.general(Self.attachments, limits: tight))
        #expect(Self.general(Self.attachments, limits: tight) != .declined)
    }
}
