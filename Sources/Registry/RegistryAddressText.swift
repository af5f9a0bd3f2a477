import InspectorCore

/// A registry address split into its parts, before a Redis or ZooKeeper reading of them:
/// `scheme://[user-info@]host[:port][,host2:port2…][/path][?k=v&…]`. Bounded (4 KiB, no spaces or control
/// characters); the text as shown in errors has any password redacted.
struct RegistryAddressText {
    /// The address as errors show it (password redacted).
    let shown: String
    let scheme: String?
    let userInfo: Substring?
    /// `host`, `host:port`, `[v6]:port` parts of the authority, in order.
    let hosts: [Substring]
    /// Query parameters in order; values `%`-decoded, a part without `=` has an empty value.
    let parameters: [(String, String)]

    init(_ text: String, schemes: [String], schemeOptional: Bool = false) throws(RegistryError) {
        let shown = RegistryAddress.redact(text)
        func invalid(_ reason: String) -> RegistryError { .invalidAddress(shown, reason: reason) }
        self.shown = shown

        var rest = Substring(text)
        while let first = rest.first, first == " " { rest.removeFirst() }
        while let last = rest.last, last == " " { rest.removeLast() }
        guard !rest.isEmpty else { throw invalid("empty") }
        guard rest.utf8.count <= RegistryAddress.maxTextLength else { throw invalid("longer than \(RegistryAddress.maxTextLength) bytes") }
        guard !rest.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) else {
            throw invalid("contains spaces or control characters")
        }
        var scheme: String?
        if let schemeEnd = rest.firstRange(of: "://") {
            let name = rest[..<schemeEnd.lowerBound].lowercased()
            guard schemes.contains(name) else {
                throw invalid("unsupported scheme \(name)://, expected redis:// or zookeeper://")
            }
            scheme = name
            rest = rest[schemeEnd.upperBound...]
        } else if !schemeOptional {
            throw invalid("expected \(schemes.map { $0 + "://" }.joined(separator: " or "))")
        }
        self.scheme = scheme
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        // A path (Dubbo writes `/org.apache.dubbo.registry.RegistryService` in some configurations) is ignored.
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        // By scalar: an '@' followed by a combining mark is not the Character "@", but it still ends the user-info.
        if let at = rest.unicodeScalars.lastIndex(of: "@") {
            userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
        } else {
            userInfo = nil
        }
        hosts = rest.split(separator: ",", omittingEmptySubsequences: true)
        var parameters: [(String, String)] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            if let equals = part.firstIndex(of: "=") {
                parameters.append(
                    (String(part[..<equals]), PercentDecoding.decode(part[part.index(after: equals)...])))
            } else {
                parameters.append((String(part), ""))
            }
        }
        self.parameters = parameters
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`.
    static func parseNode(
        _ text: Substring, defaultPort: Int, invalid: (String) -> RegistryError
    ) throws(RegistryError) -> RedisNode {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw invalid("unclosed '[' in '\(text)'") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("unexpected text after ']' in '\(text)'") }
                portText = after.dropFirst()
            }
            guard host.contains(":"), IPAddressText.parse(host) != nil else {
                throw invalid("'\(host)' in brackets is not an IPv6 address")
            }
        } else {
            let colons = text.reduce(0) { $0 + ($1 == ":" ? 1 : 0) }
            guard colons <= 1 else {
                throw invalid("an IPv6 address must be written in brackets: [\(text)]:\(defaultPort)")
            }
            if let colon = text.firstIndex(of: ":") {
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
            } else {
                host = text
            }
            guard !host.isEmpty, host.utf8.allSatisfy(IPAddressText.isHostNameByte) else {
                throw invalid("'\(host)' is not a host name or address")
            }
        }
        var port = defaultPort
        if let portText {
            guard let value = Int(portText), (1...65_535).contains(value) else {
                throw invalid("port must be 1...65535, got '\(portText)'")
            }
            port = value
        }
        return RedisNode(host: String(host), port: port)
    }
}
