import InspectorCore

extension PercentDecoding {
    /// `application/x-www-form-urlencoded` text, as Java's `URLEncoder` writes ZooKeeper node names: `+` is a space.
    static func decodeForm<S: StringProtocol>(_ text: S) -> String {
        guard text.utf8.contains(UInt8(ascii: "+")) else { return decode(text) }
        return decode(String(text).replacingPluses())
    }
}

extension String {
    fileprivate func replacingPluses() -> String {
        String(decoding: utf8.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }
}
