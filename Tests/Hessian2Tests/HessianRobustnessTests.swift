import Hessian2
import InspectorCore
import TestSupport
import Testing

@Suite("Truncated and random input throws, never traps")
struct HessianRobustnessTests {
    /// Vectors small enough to try every prefix of.
    static var smallVectors: [Vector] {
        ProtocolVectors.all.filter { $0.bytes.count <= 2_100 }
            + [
                Vector("exception body", DubboBodyTests.exceptionBody, .null),
                Vector("V-REQ-1", DubboBodyTests.vReq1, .null),
            ]
    }

    @Test("every strict prefix of a value is .truncated")
    func everyPrefixIsTruncated() {
        for vector in ProtocolVectors.all where vector.bytes.count <= 2_100 {
            for length in 0..<vector.bytes.count {
                let prefix = Array(vector.bytes.prefix(length))
                guard case .truncated = decodeError(prefix) else {
                    Issue.record("\(vector.name): prefix \(length) gave \(String(describing: decodeError(prefix)))")
                    continue
                }
                guard case .truncated = skipError(prefix) else {
                    Issue.record("\(vector.name): skipping prefix \(length) did not truncate")
                    continue
                }
            }
        }
    }

    @Test("prefixes of large chunked values are .truncated")
    func largePrefixesAreTruncated() {
        for vector in ProtocolVectors.all where vector.bytes.count > 2_100 {
            let count = vector.bytes.count
            let lengths =
                [0, 1, 2, 3, 4, count / 2, count - 9, count - 2, count - 1] + Array(stride(from: 0, to: count, by: 997))
            for length in lengths {
                let prefix = Array(vector.bytes.prefix(length))
                guard case .truncated = decodeError(prefix) else {
                    Issue.record("\(vector.name): prefix \(length) gave \(String(describing: decodeError(prefix)))")
                    continue
                }
            }
        }
    }

    @Test("every prefix of the whole request body ends in .truncated at some part")
    func requestBodyPrefixes() {
        let body = DubboBodyTests.vReq1
        for length in 0..<body.count {
            let prefix = Array(body.prefix(length))
            var decoder = HessianDecoder()
            var failure: HessianError? = nil
            do {
                for _ in 0..<5 { _ = try decoder.decodeString(in: prefix.span) }
                _ = try decoder.decodeValue(in: prefix.span)
                _ = try decoder.decodeValue(in: prefix.span)
            } catch {
                failure = error
            }
            guard case .truncated = failure else {
                Issue.record("prefix \(length) gave \(String(describing: failure))")
                continue
            }
        }
    }

    /// Decodes and skips `bytes`; both must agree (same error, or same end and value count) and any value must render.
    static func checkAgreement(_ bytes: [UInt8]) {
        var decoding = HessianDecoder()
        var skipping = HessianDecoder()
        let decoded: Result<HessianValue, HessianError>
        do { decoded = .success(try decoding.decodeValue(in: bytes.span)) } catch { decoded = .failure(error) }
        let skipped: HessianError?
        do {
            try skipping.skipValue(in: bytes.span)
            skipped = nil
        } catch {
            skipped = error
        }
        switch decoded {
        case .success(let value):
            #expect(skipped == nil)
            #expect(skipping.offset == decoding.offset)
            #expect(skipping.valuesDecoded == decoding.valuesDecoded)
            var writer = JSONWriter()
            var budget = 1 << 16
            value.writeJSON(to: &writer, budget: &budget)
            #expect(!writer.bytes.isEmpty)
        case .failure(let error):
            #expect(skipped == error)
        }
    }

    @Test("20 000 random buffers: decode throws or returns, skip agrees")
    func randomBuffers() {
        var generator = SeededRandom(seed: 0x4845_5353_4941_4E32)
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...48, using: &generator)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            Self.checkAgreement(bytes)
        }
    }

    @Test("10 000 mutated vectors: decode throws or returns, skip agrees")
    func mutatedVectors() {
        var generator = SeededRandom(seed: 0x0DDB_A11)
        let seeds = Self.smallVectors.filter { $0.bytes.count >= 2 && $0.bytes.count <= 200 }
        for _ in 0..<10_000 {
            guard var bytes = seeds.randomElement(using: &generator)?.bytes else { return }
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            Self.checkAgreement(bytes)
        }
    }
}
