/// Bodies that did not decode, counted by why (the run summary's "decode errors by reason" line), so a capture with
/// thousands of broken bodies says whether it is one serializer the tool does not read or one kind of damage.
///
/// A reason is the body's decode error with what varies from body to body taken out: the byte offset, and any
/// other decimal number (a length, a count, a reference index). A type byte (`0x…`) is kept: it is the reason.
/// At most `maxReasons` distinct reasons are kept; later new ones are counted under `otherReason`.
public struct UndecodedReasons: Sendable, Equatable {
    public static let maxReasons = 32
    public static let otherReason = "(other reasons)"

    public private(set) var total = 0
    public private(set) var counts: [String: Int] = [:]

    public init() {}

    /// Counts `body` when it is undecoded (see `DubboBody.isUndecoded`); returns whether it was.
    @discardableResult
    public mutating func count(_ body: DubboBody) -> Bool {
        guard let error = body.undecodedReason else { return false }
        add(Self.reason(error))
        return true
    }

    public mutating func add(_ reason: String, times: Int = 1) {
        total += times
        let distinct = counts.count - (counts[Self.otherReason] == nil ? 0 : 1)
        if reason != Self.otherReason, counts[reason] != nil || distinct < Self.maxReasons {
            counts[reason, default: 0] += times
        } else {
            counts[Self.otherReason, default: 0] += times
        }
    }

    /// Adds `other`'s counts, most frequent reasons first (ties by name) and its other reasons last: an order of
    /// their own, not the dictionary's (which changes from run to run), so when the two hold more than
    /// `maxReasons` between them the same ones are kept every time.
    public mutating func merge(_ other: UndecodedReasons) {
        for (reason, times) in other.top(Int.max) where reason != Self.otherReason { add(reason, times: times) }
        if let times = other.counts[Self.otherReason] { add(Self.otherReason, times: times) }
    }

    /// The most frequent first (ties by name), at most `limit` of them.
    public func top(_ limit: Int) -> [(reason: String, count: Int)] {
        counts.map { (reason: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.reason < $1.reason }
            .prefix(limit).map { $0 }
    }

    /// `error` without its offset and varying numbers: `"hessian: string of 9 chars too long at offset 12"` →
    /// `"hessian: string of N chars too long"`. Only standalone numbers change (after a space, `#`, `(` or `"`):
    /// `UTF-8`, `hessian2` and type bytes such as `0x4f` stay as they are.
    public static func reason(_ error: String) -> String {
        let bytes = Array(error.utf8)
        var end = bytes.count
        var digitsStart = end
        while digitsStart > 0, isDigit(bytes[digitsStart - 1]) { digitsStart -= 1 }
        let marker = Array(" at offset ".utf8)
        if digitsStart < end, digitsStart >= marker.count, bytes[(digitsStart - marker.count)..<digitsStart].elementsEqual(marker) {
            end = digitsStart - marker.count
        }
        var out: [UInt8] = []
        out.reserveCapacity(end)
        var index = 0
        while index < end {
            let byte = bytes[index]
            let standalone = index == 0 || [0x20, 0x23, 0x28, 0x22].contains(bytes[index - 1])
            let hex = byte == UInt8(ascii: "0") && index + 1 < end && bytes[index + 1] == UInt8(ascii: "x")
            if isDigit(byte), standalone, !hex {
                var next = index
                while next < end, isDigit(bytes[next]) { next += 1 }
                let followedByLetter = next < end && isLetter(bytes[next])
                if !followedByLetter {
                    out.append(UInt8(ascii: "N"))
                    index = next
                    continue
                }
            }
            out.append(byte)
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }
    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- 0x61 < 26 }
}

extension DubboBody {
    /// Why the body did not decode, when it did not (`isUndecoded`).
    public var undecodedReason: String? {
        switch self {
        case .undecoded(let reason): reason
        case .request(let request): request.decodeError
        case .response(let response): response.decodeError
        case .heartbeat, .event, .missing, .deferred: nil
        }
    }
}
