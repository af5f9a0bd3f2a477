public import DubboWire
public import Hessian2

/// Equality that holds for a value and itself: `==` on `HessianValue` compares doubles as numbers, so a body
/// carrying a NaN (any 'D' with an all-ones exponent) is not equal to the same body decoded twice. Targets that
/// compare two decodings of the same bytes use this instead (doubles compared by bit pattern).
public enum Identical {
    public static func values(_ a: HessianValue, _ b: HessianValue) -> Bool {
        switch (a, b) {
        case (.double(let x), .double(let y)): return x.bitPattern == y.bitPattern
        case (.list(let x), .list(let y)):
            return x.type == y.type && x.elements.count == y.elements.count
                && zip(x.elements, y.elements).allSatisfy { values($0, $1) }
        case (.map(let x), .map(let y)): return maps(x, y)
        case (.object(let x), .object(let y)):
            return x.className == y.className && x.fieldNames == y.fieldNames
                && x.fieldValues.count == y.fieldValues.count
                && zip(x.fieldValues, y.fieldValues).allSatisfy { values($0, $1) }
        default: return a == b
        }
    }

    public static func maps(_ a: HessianMap, _ b: HessianMap) -> Bool {
        a.type == b.type && a.entries.count == b.entries.count
            && zip(a.entries, b.entries).allSatisfy { values($0.key, $1.key) && values($0.value, $1.value) }
    }

    public static func optional<T>(_ a: T?, _ b: T?, _ same: (T, T) -> Bool) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let x?, let y?): return same(x, y)
        default: return false
        }
    }

    public static func requests(_ a: DubboRequestBody, _ b: DubboRequestBody) -> Bool {
        a.dubboVersion == b.dubboVersion && a.service == b.service && a.version == b.version && a.method == b.method
            && a.parameterDescriptor == b.parameterDescriptor && a.argumentsDecoded == b.argumentsDecoded
            && a.decodeError == b.decodeError && a.arguments.count == b.arguments.count
            && zip(a.arguments, b.arguments).allSatisfy { values($0, $1) }
            && optional(a.attachments, b.attachments, maps)
    }

    public static func bodies(_ a: DubboBody, _ b: DubboBody) -> Bool {
        switch (a, b) {
        case (.request(let x), .request(let y)): return requests(x, y)
        case (.response(let x), .response(let y)): return responses(x, y)
        case (.event(let x), .event(let y)): return optional(x, y, values)
        default: return a == b
        }
    }

    public static func responses(_ a: DubboResponseBody, _ b: DubboResponseBody) -> Bool {
        a.resultFlag == b.resultFlag && a.errorMessage == b.errorMessage && a.decodeError == b.decodeError
            && optional(a.value, b.value, values) && optional(a.exception, b.exception, values)
            && optional(a.attachments, b.attachments, maps)
    }
}
