import DubboWire
import TestSupport

/// Test vectors from PROTOCOL.md §8.2 and a builder for frames with arbitrary bodies.
enum FrameBytes {
    static func hex(_ text: String) -> [UInt8] { TestSupport.hex(text) }

    static func frame(flags: UInt8, status: UInt8 = 0, id: Int64, body: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0xDA, 0xBB, flags, status]
        let raw = UInt64(bitPattern: id)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: raw >> UInt64(shift))) }
        let length = UInt32(body.count)
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: length >> UInt32(shift))) }
        return bytes + body
    }

    static let heartbeatRequest = hex("da bb e2 00 00 00 00 00 00 00 00 01 00 00 00 01 4e")
    static let heartbeatResponse = hex("da bb 22 14 00 00 00 00 00 00 00 01 00 00 00 01 4e")
    static let readOnlyEvent = hex("da bb a2 00 00 00 00 00 00 00 00 02 00 00 00 02 01 52")

    static let request1 = hex("""
        da bb c2 00 00 00 00 00 00 00 00 03 00 00 00 b6
        05 32 2e 30 2e 32 30 21 6f 72 67 2e 61 70 61 63
        68 65 2e 64 75 62 62 6f 2e 64 65 6d 6f 2e 44 65
        6d 6f 53 65 72 76 69 63 65 05 30 2e 30 2e 30 08
        73 61 79 48 65 6c 6c 6f 12 4c 6a 61 76 61 2f 6c
        61 6e 67 2f 53 74 72 69 6e 67 3b 05 77 6f 72 6c
        64 48 04 70 61 74 68 30 21 6f 72 67 2e 61 70 61
        63 68 65 2e 64 75 62 62 6f 2e 64 65 6d 6f 2e 44
        65 6d 6f 53 65 72 76 69 63 65 09 69 6e 74 65 72
        66 61 63 65 30 21 6f 72 67 2e 61 70 61 63 68 65
        2e 64 75 62 62 6f 2e 64 65 6d 6f 2e 44 65 6d 6f
        53 65 72 76 69 63 65 07 76 65 72 73 69 6f 6e 05
        30 2e 30 2e 30 5a
        """)

    static let request2 = hex("""
        da bb c2 00 00 00 00 00 00 00 00 04 00 00 00 3f
        05 32 2e 30 2e 32 13 63 6f 6d 2e 66 6f 6f 2e 55
        73 65 72 53 65 72 76 69 63 65 4e 03 61 64 64 02
        49 4a 97 e9 48 04 70 61 74 68 13 63 6f 6d 2e 66
        6f 6f 2e 55 73 65 72 53 65 72 76 69 63 65 5a
        """)

    static let genericRequest = hex("""
        da bb c2 00 00 00 00 00 00 00 00 05 00 00 00 b2
        05 32 2e 30 2e 32 30 21 6f 72 67 2e 61 70 61 63
        68 65 2e 64 75 62 62 6f 2e 64 65 6d 6f 2e 44 65
        6d 6f 53 65 72 76 69 63 65 05 31 2e 30 2e 30 07
        24 69 6e 76 6f 6b 65 30 38 4c 6a 61 76 61 2f 6c
        61 6e 67 2f 53 74 72 69 6e 67 3b 5b 4c 6a 61 76
        61 2f 6c 61 6e 67 2f 53 74 72 69 6e 67 3b 5b 4c
        6a 61 76 61 2f 6c 61 6e 67 2f 4f 62 6a 65 63 74
        3b 08 73 61 79 48 65 6c 6c 6f 71 07 5b 73 74 72
        69 6e 67 10 6a 61 76 61 2e 6c 61 6e 67 2e 53 74
        72 69 6e 67 71 07 5b 6f 62 6a 65 63 74 05 77 6f
        72 6c 64 48 07 67 65 6e 65 72 69 63 04 74 72 75
        65 5a
        """)

    static let responseWithAttachments = hex("""
        da bb 02 14 00 00 00 00 00 00 00 03 00 00 00 1b
        94 0b 48 65 6c 6c 6f 20 77 6f 72 6c 64 48 05 64
        75 62 62 6f 05 32 2e 30 2e 32 5a
        """)
    static let nullResponseWithAttachments =
        hex("da bb 02 14 00 00 00 00 00 00 00 04 00 00 00 0f 95 48 05 64 75 62 62 6f 05 32 2e 30 2e 32 5a")
    static let legacyValueResponse = hex("da bb 02 14 00 00 00 00 00 00 00 06 00 00 00 02 91 91")
    static let serviceError = hex("da bb 02 46 00 00 00 00 00 00 00 07 00 00 00 05 04 62 6f 6f 6d")
}
