import InspectorCore

extension HessianDecoder {
    /// Decodes (`build`) or validates (`!build`, returns `.null`) one value at `offset`.
    ///
    /// `depth` is the number of lists, maps and objects enclosing this value; it is capped by
    /// `maxHessianDepth`, which bounds the recursion.
    mutating func readValue(_ body: Span<UInt8>, depth: Int, build: Bool) throws(HessianError) -> HessianValue {
        let (tag, at) = try readValueTag(body)
        return try readValue(body, tag: tag, at: at, depth: depth, build: build)
    }

    /// The tag of the value at `offset` and where it is, past the class definitions that may prefix it (§5.7 item
    /// 5), which are registered. A run of them is bounded because each one registers a definition, and the count
    /// is capped by maxClassDefinitions.
    @inline(__always)
    mutating func readValueTag(_ body: Span<UInt8>) throws(HessianError) -> (tag: UInt8, at: Int) {
        var at = offset
        var tag = try nextByte(body)
        while tag == HessianTag.classDefinition {
            try readClassDefinition(body, at: at)
            at = offset
            tag = try nextByte(body)
        }
        return (tag, at)
    }

    /// The value whose tag was consumed at `at`.
    @inline(__always)
    mutating func readValue(_ body: Span<UInt8>, tag: UInt8, at: Int, depth: Int, build: Bool)
        throws(HessianError) -> HessianValue
    {
        switch tag {
        case 0x00...0x1F, 0x30...0x33, HessianTag.stringChunk, HessianTag.stringFinal:
            try countValues(1, at: at)
            let string = try readString(body, tag: tag, at: at, build: build)
            return build ? .string(string) : .null

        case 0x20...0x2F, 0x34...0x37, HessianTag.binaryChunk, HessianTag.binaryFinal:
            try countValues(1, at: at)
            let bytes = try readBinary(body, tag: tag, at: at, build: build)
            return build ? .binary(bytes) : .null

        case 0x80...0xD7, HessianTag.int:
            try countValues(1, at: at)
            return .int(try readInt(body, tag: tag, at: at))

        case 0xD8...0xFF, 0x38...0x3F, HessianTag.longAsInt32, HessianTag.long:
            try countValues(1, at: at)
            return .long(try readLong(body, tag: tag, at: at))

        case 0x5B...0x5F, HessianTag.double:
            try countValues(1, at: at)
            return .double(try readDouble(body, tag: tag, at: at))

        case HessianTag.dateMilliseconds, HessianTag.dateMinutes:
            try countValues(1, at: at)
            return .date(millisecondsSinceEpoch: try readDate(body, tag: tag, at: at))

        case HessianTag.null:
            try countValues(1, at: at)
            return .null
        case HessianTag.true:
            try countValues(1, at: at)
            return .bool(true)
        case HessianTag.false:
            try countValues(1, at: at)
            return .bool(false)

        case HessianTag.variableTypedList:
            return try readList(body, at: at, typed: true, count: .untilEnd, depth: depth, build: build)
        case HessianTag.fixedTypedList:
            return try readList(body, at: at, typed: true, count: .followsType, depth: depth, build: build)
        case HessianTag.variableUntypedList:
            return try readList(body, at: at, typed: false, count: .untilEnd, depth: depth, build: build)
        case HessianTag.fixedUntypedList:
            return try readList(body, at: at, typed: false, count: .followsType, depth: depth, build: build)
        case 0x70...0x77:
            let count = ListCount.inTag(Int(tag - 0x70))
            return try readList(body, at: at, typed: true, count: count, depth: depth, build: build)
        case 0x78...0x7F:
            let count = ListCount.inTag(Int(tag - 0x78))
            return try readList(body, at: at, typed: false, count: count, depth: depth, build: build)

        case HessianTag.untypedMap:
            return try readMap(body, at: at, typed: false, depth: depth, build: build)
        case HessianTag.typedMap:
            return try readMap(body, at: at, typed: true, depth: depth, build: build)

        case HessianTag.object:
            let index = try readStructuralInt(body)
            return try readObject(body, at: at, classIndex: index, depth: depth, build: build)
        case 0x60...0x6F:
            return try readObject(body, at: at, classIndex: Int(tag - 0x60), depth: depth, build: build)

        case HessianTag.reference:
            return try readReference(body, at: at, build: build)

        case 0x40, 0x45, 0x47, 0x50:
            throw .reservedTag(tag, at: at)
        default:
            // 'Z' outside a list or map.
            throw .unexpectedTag(tag, at: at)
        }
    }
}
