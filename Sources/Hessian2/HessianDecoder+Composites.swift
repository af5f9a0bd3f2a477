import InspectorCore

// MARK: Lists, maps, objects

extension HessianDecoder {
    /// A list whose tag was consumed at `at`: type (if `typed`), count per `count`, elements.
    mutating func readList(
        _ body: Span<UInt8>, at: Int, typed: Bool, count: ListCount, depth: Int, build: Bool
    ) throws(HessianError) -> HessianValue {
        let startCount = valueCount
        try enterContainer(at: at, depth: depth)
        let type = typed ? try readType(body) : nil
        let fixedCount: Int?
        switch count {
        case .untilEnd: fixedCount = nil
        case .followsType: fixedCount = try readCount(body)
        case .inTag(let inTag):
            guard inTag <= body.count - offset else { throw .truncated(at: at) }
            fixedCount = inTag
        }
        let slot = openReference()

        var elements: [HessianValue] = []
        if let fixedCount {
            // readCount proved that many elements could fit in the remaining bytes.
            if build { elements.reserveCapacity(fixedCount) }
            for _ in 0..<fixedCount {
                let element = try readValue(body, depth: depth + 1, build: build)
                if build { elements.append(element) }
            }
        } else {
            for index in 0...limits.maxCollectionCount {
                if try atEnd(body) { break }
                guard index < limits.maxCollectionCount else {
                    throw .collectionTooLarge(count: index + 1, at: at)
                }
                let element = try readValue(body, depth: depth + 1, build: build)
                if build { elements.append(element) }
            }
        }

        let value: HessianValue = build ? .list(HessianList(type: type, elements: elements)) : .null
        closeReference(slot, value: value, valueCount: valueCount - startCount, build: build)
        return value
    }

    /// A map whose tag (`'H'`, or `'M'` when `typed`) was consumed at `at`: (key value)* `'Z'`. With `keptKeys`
    /// (and `build`), only entries whose key is one of those strings are built and kept; the other keys and values
    /// are read as `skipValue` reads them.
    mutating func readMap(
        _ body: Span<UInt8>, at: Int, typed: Bool, depth: Int, build: Bool, keptKeys: HessianKeys? = nil
    ) throws(HessianError) -> HessianValue {
        let startCount = valueCount
        try enterContainer(at: at, depth: depth)
        let type = typed ? try readType(body) : nil
        let slot = openReference()

        var entries: [HessianMapEntry] = []
        // Attachment maps hold a handful of entries: one allocation instead of growing through 1, 2, 4 and 8.
        if build, offset < body.count, body[offset] != HessianTag.end { entries.reserveCapacity(8) }
        for index in 0...limits.maxCollectionCount {
            if try atEnd(body) { break }
            guard index < limits.maxCollectionCount else { throw .collectionTooLarge(count: index + 1, at: at) }
            let key: HessianValue
            let keeps: Bool
            if build, let keptKeys {
                (key, keeps) = try readKey(body, depth: depth + 1, among: keptKeys)
            } else {
                (key, keeps) = (try readValue(body, depth: depth + 1, build: build), build)
            }
            let value = try readValue(body, depth: depth + 1, build: keeps)
            if keeps { entries.append(HessianMapEntry(key: key, value: value)) }
        }

        let value: HessianValue = build ? .map(HessianMap(type: type, entries: entries)) : .null
        closeReference(slot, value: value, valueCount: valueCount - startCount, build: build)
        return value
    }

    /// A map key, and whether it is one of `keys`. A short string is matched on its bytes, so a key not kept is
    /// never built (only checked, as `skipValue` checks it); any other key is decoded and compared.
    private mutating func readKey(_ body: Span<UInt8>, depth: Int, among keys: HessianKeys)
        throws(HessianError) -> (key: HessianValue, kept: Bool)
    {
        let at = offset
        guard at < body.count, body[at] <= 0x1F else {
            let key = try readValue(body, depth: depth, build: true)
            if case .string(let text) = key, keys.strings.contains(text) { return (key, true) }
            return (key, false)
        }
        let units = Int(body[at])
        if let index = keys.index(ofASCII: body, from: at + 1, count: units) {
            offset = at + 1 + units
            try countValues(1, at: at)
            return (.string(keys.strings[index]), true)
        }
        _ = try readValue(body, depth: depth, build: false)
        return (.null, false)
    }

    /// An object instance of class definition `classIndex` whose tag was consumed at `at`: one value per field.
    mutating func readObject(
        _ body: Span<UInt8>, at: Int, classIndex: Int, depth: Int, build: Bool
    ) throws(HessianError) -> HessianValue {
        guard classIndex >= 0, classIndex < classDefinitions.count else {
            throw .invalidClassReference(classIndex, at: at)
        }
        let startCount = valueCount
        try enterContainer(at: at, depth: depth)
        let definition = classDefinitions[classIndex]
        let fieldCount = definition.fieldNames.count
        // Every field value takes at least one byte.
        guard fieldCount <= body.count - offset else { throw .truncated(at: at) }
        let slot = openReference()

        var fieldValues: [HessianValue] = []
        if build { fieldValues.reserveCapacity(fieldCount) }
        for _ in 0..<fieldCount {
            let field = try readValue(body, depth: depth + 1, build: build)
            if build { fieldValues.append(field) }
        }

        let value: HessianValue =
            build
            ? .object(
                HessianObject(
                    className: definition.className, fieldNames: definition.fieldNames, fieldValues: fieldValues))
            : .null
        closeReference(slot, value: value, valueCount: valueCount - startCount, build: build)
        return value
    }

    /// Consumes `'Z'` and returns true when it is next; false when another item follows.
    private mutating func atEnd(_ body: Span<UInt8>) throws(HessianError) -> Bool {
        guard offset < body.count else { throw .truncated(at: offset) }
        guard body[offset] == HessianTag.end else { return false }
        offset += 1
        return true
    }

    /// Checks the nesting limit and counts the container itself as a value.
    private mutating func enterContainer(at: Int, depth: Int) throws(HessianError) {
        guard depth < limits.maxHessianDepth else { throw .depthLimitExceeded(at: at) }
        try countValues(1, at: at)
    }
}

// MARK: References, class definitions, types

extension HessianDecoder {
    /// Takes the next reference index for a container that is starting (§5.4: before its children).
    private mutating func openReference() -> Int {
        references.append(.open)
        return references.count - 1
    }

    private mutating func closeReference(_ slot: Int, value: HessianValue, valueCount: Int, build: Bool) {
        references[slot] = build ? .complete(value, valueCount: valueCount) : .skipped(valueCount: valueCount)
    }

    /// A value reference whose tag (`0x51`) was consumed at `at`.
    ///
    /// A completed container is returned as a copy (sharing storage) and counts as its whole subtree toward
    /// `maxValuesPerBody`; an open (cyclic) or skipped one is returned as `.reference(index)`.
    mutating func readReference(_ body: Span<UInt8>, at: Int, build: Bool) throws(HessianError) -> HessianValue {
        let index = try readStructuralInt(body)
        guard index >= 0, index < references.count else { throw .invalidReference(index, at: at) }
        switch references[index] {
        case .open:
            try countValues(1, at: at)
            return build ? .reference(index) : .null
        case .skipped(let size):
            try countValues(size, at: at)
            return build ? .reference(index) : .null
        case .complete(let value, let size):
            try countValues(size, at: at)
            return build ? value : .null
        }
    }

    /// A class definition whose tag (`'C'`) was consumed at `at`: class name, field count, field names.
    mutating func readClassDefinition(_ body: Span<UInt8>, at: Int) throws(HessianError) {
        guard classDefinitions.count < limits.maxClassDefinitions else { throw .tooManyClassDefinitions(at: at) }
        let className = try readRequiredString(body)
        let fieldCount = try readCount(body)
        var fieldNames: [String] = []
        fieldNames.reserveCapacity(fieldCount)
        for _ in 0..<fieldCount {
            fieldNames.append(try readRequiredString(body))
        }
        classDefinitions.append(HessianClassDefinition(className: className, fieldNames: fieldNames))
    }

    /// A list or map type (§5.2): a string, appended to the type table, or an int indexing that table.
    ///
    /// The table cannot grow past `maxValuesPerBody`: each entry belongs to a container that was counted.
    mutating func readType(_ body: Span<UInt8>) throws(HessianError) -> String {
        let at = offset
        let tag = try nextByte(body)
        if HessianTag.isString(tag) {
            let type = try readString(body, tag: tag, at: at, build: true)
            types.append(type)
            return type
        }
        guard HessianTag.isInt(tag) else { throw .unexpectedTag(tag, at: at) }
        let index = Int(try readInt(body, tag: tag, at: at))
        guard index >= 0, index < types.count else { throw .invalidTypeReference(index, at: at) }
        return types[index]
    }

    /// A string that structure requires (class or field name): any string form, never null.
    private mutating func readRequiredString(_ body: Span<UInt8>) throws(HessianError) -> String {
        let at = offset
        let tag = try nextByte(body)
        guard HessianTag.isString(tag) else { throw .unexpectedTag(tag, at: at) }
        return try readString(body, tag: tag, at: at, build: true)
    }
}
