/// Byte codes of Hessian 2.0 (PROTOCOL §5.1) and the ranges the decoder dispatches on.
enum HessianTag {
    static let binaryChunk: UInt8 = 0x41  // 'A'
    static let binaryFinal: UInt8 = 0x42  // 'B'
    static let classDefinition: UInt8 = 0x43  // 'C'
    static let double: UInt8 = 0x44  // 'D'
    static let `false`: UInt8 = 0x46  // 'F'
    static let untypedMap: UInt8 = 0x48  // 'H'
    static let int: UInt8 = 0x49  // 'I'
    static let dateMilliseconds: UInt8 = 0x4A
    static let dateMinutes: UInt8 = 0x4B
    static let long: UInt8 = 0x4C  // 'L'
    static let typedMap: UInt8 = 0x4D  // 'M'
    static let null: UInt8 = 0x4E  // 'N'
    static let object: UInt8 = 0x4F  // 'O'
    static let reference: UInt8 = 0x51
    static let stringChunk: UInt8 = 0x52  // 'R'
    static let stringFinal: UInt8 = 0x53  // 'S'
    static let `true`: UInt8 = 0x54  // 'T'
    static let variableTypedList: UInt8 = 0x55
    static let fixedTypedList: UInt8 = 0x56  // 'V'
    static let variableUntypedList: UInt8 = 0x57
    static let fixedUntypedList: UInt8 = 0x58
    static let longAsInt32: UInt8 = 0x59
    static let end: UInt8 = 0x5A  // 'Z'

    /// First byte of any string form: compact `0x00–0x1F`, `0x30–0x33`, or chunks `'R'`/`'S'`.
    static func isString(_ tag: UInt8) -> Bool {
        tag <= 0x1F || (0x30...0x33).contains(tag) || tag == stringChunk || tag == stringFinal
    }

    /// First byte of any int form: compact `0x80–0xD7` or `'I'`.
    static func isInt(_ tag: UInt8) -> Bool {
        (0x80...0xD7).contains(tag) || tag == int
    }

    /// First byte of any long form: `0xD8–0xFF`, `0x38–0x3F`, `0x59`, `'L'`.
    static func isLong(_ tag: UInt8) -> Bool {
        tag >= 0xD8 || (0x38...0x3F).contains(tag) || tag == longAsInt32 || tag == long
    }
}
