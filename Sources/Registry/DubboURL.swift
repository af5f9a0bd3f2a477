import InspectorCore
public import NetworkLayers

/// A URL as Dubbo writes it into a registry (`URL.toFullString`, PROTOCOL.md §6.2):
/// `protocol://[user[:password]@]host[:port]/path?k=v&k=v…`, parameters sorted by key, nothing escaped.
///
/// Parsing follows Dubbo's `URL.valueOf`: the query is split on `&`, each part on its first `=` (a part with no
/// `=` is a key whose value is itself), empty keys are skipped, a repeated key keeps its last value. Keys and
/// values are `%`-unescaped (an invalid escape is kept as text). The host is an IPv4 address, a name, or an IPv6
/// literal either in brackets (`[2001:db8::2]:20880`) or bare as Dubbo 2.7 writes it (`2001:db8::2:20880`, the
/// last `:` separating the port).
public struct DubboURL: Sendable, Hashable, CustomStringConvertible {
    /// `dubbo`, `consumer`, `override`, `route`, `empty`, …
    public var scheme: String
    public var username: String?
    public var password: String?
    /// Name or address, IPv6 without brackets.
    public var host: String
    public var port: UInt16?
    /// The path without its leading `/` (for services: the interface name).
    public var path: String
    public var parameters: [String: String]

    public init(
        scheme: String, username: String? = nil, password: String? = nil, host: String, port: UInt16? = nil,
        path: String = "", parameters: [String: String] = [:]
    ) {
        self.scheme = scheme
        self.username = username
        self.password = password
        self.host = host
        self.port = port
        self.path = path
        self.parameters = parameters
    }

    public subscript(parameter key: String) -> String? { parameters[key] }

    // MARK: Well-known parameters

    public var application: String? { nonEmpty("application") }
    /// The `interface` parameter, else the path (Dubbo's `getServiceInterface`).
    public var interface: String? { nonEmpty("interface") ?? (path.isEmpty ? nil : path) }
    public var version: String? { nonEmpty("version") }
    public var group: String? { nonEmpty("group") }
    public var side: String? { nonEmpty("side") }
    public var category: String? { nonEmpty("category") }
    /// The `dubbo` parameter: the protocol version (`2.0.2`).
    public var dubboVersion: String? { nonEmpty("dubbo") }
    /// The framework release (`2.7.8`).
    public var release: String? { nonEmpty("release") }
    public var serialization: String? { nonEmpty("serialization") ?? nonEmpty("prefer.serialization") }
    /// The serializations a provider accepts, in its order of preference: `prefer.serialization` (Dubbo 3.2 writes
    /// `fastjson2,hessian2`), else `serialization`; nil when it names none.
    public var registeredSerializations: [String]? {
        guard let list = nonEmpty("prefer.serialization") ?? nonEmpty("serialization") else { return nil }
        let names = list.split(separator: ",").map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty }
        return names.isEmpty ? nil : names
    }
    public var pid: Int? { nonEmpty("pid").flatMap { Int($0) } }
    public var weight: Int? { nonEmpty("weight").flatMap { Int($0) } }
    /// Registration time, epoch milliseconds.
    public var timestamp: Int64? { nonEmpty("timestamp").flatMap { Int64($0) } }
    /// Method names from `methods` (comma-separated; Dubbo builds it from a set, so the order means nothing).
    public var methods: [String] {
        guard let list = nonEmpty("methods") else { return [] }
        return list.split(separator: ",").map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty }
    }
    /// `dynamic=false` entries are written once and never expire; anything else is refreshed by its owner.
    public var isDynamic: Bool { parameters["dynamic"]?.lowercased() != "false" }

    /// The host as an IP address, when it is one.
    public var address: IPAddress? { IPAddressText.parse(host) }

    /// The `ip:port` this URL serves on, when the host is an IP literal and a port is given.
    public var endpoint: Endpoint? {
        guard let address, let port else { return nil }
        return Endpoint(address: address, port: port)
    }

    private func nonEmpty(_ key: String) -> String? {
        guard let value = parameters[key], !value.isEmpty else { return nil }
        return value
    }

    // MARK: Text

    /// Keys whose values are secrets: shown as `***` in `description`.
    public static let secretParameters: Set<String> = ["password", "token"]

    /// The URL in Dubbo's form (parameters sorted, IPv6 in brackets) with secrets replaced by `***`: the
    /// user-info password and the `password` and `token` parameters (a provider's `token` authenticates calls).
    public var description: String { text(redacted: true) }

    /// The URL in Dubbo's form; `redacted` replaces secrets by `***`.
    public func text(redacted: Bool) -> String {
        var text = scheme + "://"
        if let username {
            text += username
            if let password { text += ":" + (redacted ? "***" : password) }
            text += "@"
        } else if let password {
            text += ":" + (redacted ? "***" : password) + "@"
        }
        text += host.contains(":") ? "[\(host)]" : host
        if let port { text += ":\(port)" }
        text += "/" + path
        if !parameters.isEmpty {
            let query = parameters.keys.sorted().map { key in
                let value = redacted && Self.secretParameters.contains(key) ? "***" : parameters[key] ?? ""
                return key + "=" + value
            }
            text += "?" + query.joined(separator: "&")
        }
        return text
    }
}

// MARK: Parsing

extension DubboURL {
    /// Parses a registry URL; throws `DubboURLError` for text that is not one.
    public init(parsing text: String, maxLength: Int = RegistryLimits.default.maxURLLength) throws(DubboURLError) {
        var rest = Substring(text)
        while let first = rest.first, first == " " { rest.removeFirst() }
        while let last = rest.last, last == " " { rest.removeLast() }
        guard !rest.isEmpty else { throw .empty }
        guard rest.utf8.count <= maxLength else { throw .tooLong(length: rest.utf8.count, limit: maxLength) }
        guard !rest.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .controlCharacter
        }

        var parameters: [String: String] = [:]
        if let mark = rest.firstIndex(of: "?") {
            for part in rest[rest.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: true) {
                let key: String
                let value: String
                if let equals = part.firstIndex(of: "=") {
                    key = PercentDecoding.decode(part[..<equals])
                    value = PercentDecoding.decode(part[part.index(after: equals)...])
                } else {
                    key = PercentDecoding.decode(part)
                    value = key
                }
                let trimmedKey = key.trimmingSpaces
                guard !trimmedKey.isEmpty else { continue }
                parameters[trimmedKey] = value.trimmingSpaces
            }
            rest = rest[..<mark]
        }

        guard let schemeEnd = rest.firstRange(of: "://") else { throw .missingProtocol }
        let scheme = rest[..<schemeEnd.lowerBound]
        guard let first = scheme.utf8.first, Self.isLetter(first),
            scheme.utf8.allSatisfy({ Self.isLetter($0) || Self.isDigit($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E })
        else { throw scheme.isEmpty ? .missingProtocol : .badProtocol(String(scheme)) }
        rest = rest[schemeEnd.upperBound...]

        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }

        var username: String?
        var password: String?
        // By scalar: an '@' followed by a combining mark is not the Character "@", but it still ends the user-info.
        if let at = rest.unicodeScalars.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                username = PercentDecoding.decode(userInfo[..<colon])
                password = PercentDecoding.decode(userInfo[userInfo.index(after: colon)...])
            } else {
                username = PercentDecoding.decode(userInfo)
            }
            if username?.isEmpty == true { username = nil }
            rest = rest[rest.index(after: at)...]
        }

        let (host, port) = try Self.parseHostPort(rest)
        self.init(
            scheme: String(scheme), username: username, password: password, host: host, port: port,
            path: PercentDecoding.decode(path), parameters: parameters
        )
    }

    private static func parseHostPort(_ text: Substring) throws(DubboURLError) -> (String, UInt16?) {
        guard !text.isEmpty else { throw .missingHost }
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .badHost(String(text)) }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .badHost(String(text)) }
                portText = after.dropFirst()
            }
            guard IPAddressText.parse(host) != nil else { throw .badHost(String(text)) }
        } else if let colon = text.lastIndex(of: ":") {
            // Dubbo's rule: the last colon separates the port, also for a bare IPv6 host.
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") {
                if IPAddressText.parse(host) == nil {
                    // A bare IPv6 host with no port (`consumer://2001:db8::1/…`): the whole text is the address.
                    guard IPAddressText.parse(text) != nil else { throw .badHost(String(text)) }
                    host = text
                    portText = nil
                }
            } else {
                guard host.utf8.allSatisfy(IPAddressText.isHostNameByte) else { throw .badHost(String(host)) }
            }
        } else {
            host = text
            guard host.utf8.allSatisfy(IPAddressText.isHostNameByte) else { throw .badHost(String(host)) }
        }
        guard !host.isEmpty else { throw .missingHost }
        var port: UInt16?
        if let portText, !portText.isEmpty {
            guard portText.utf8.count <= 5, portText.utf8.allSatisfy(isDigit), let value = UInt16(portText) else {
                throw .badPort(String(portText))
            }
            // Dubbo writes no port for port 0 (consumers); a 0 read here means the same.
            port = value == 0 ? nil : value
        }
        return (String(host), port)
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}

extension String {
    /// Without leading and trailing spaces, tabs and line breaks (Dubbo `trim()`s parameter values).
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { $0.value > 0x20 }),
            let end = scalars.lastIndex(where: { $0.value > 0x20 })
        else { return "" }
        return String(scalars[start...end])
    }
}
