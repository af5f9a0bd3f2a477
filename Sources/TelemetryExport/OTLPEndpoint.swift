/// Where to send: an OTLP/HTTP base URL such as `http://127.0.0.1:4318` (the Collector's default receiver).
///
/// Signals go to `<base>/v1/traces` and `<base>/v1/metrics` (OTLP/HTTP §"OTLP/HTTP Request"). A URL already
/// ending in `/v1/traces` or `/v1/metrics` is taken as naming the base before it. Only `http` is supported:
/// TLS would add swift-nio-ssl to every build; run a Collector on the host or loopback and let it forward.
package struct OTLPEndpoint: Sendable, Equatable, CustomStringConvertible {
    package var host: String
    package var port: Int
    /// Path prefix without a trailing slash (`""` for the root).
    package var basePath: String

    package init(host: String, port: Int, basePath: String = "") {
        self.host = host
        self.port = port
        self.basePath = basePath
    }

    package var tracesPath: String { basePath + "/v1/traces" }
    package var metricsPath: String { basePath + "/v1/metrics" }

    /// `Host` header value: `host:port`, IPv6 in brackets.
    var hostHeader: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    package var description: String { "http://\(hostHeader)\(basePath)" }

    /// Parses `http://host[:port][/path]` (IPv6 as `[addr]`); the port defaults to 80 as in any http URL.
    package static func parse(_ text: String) throws(OTLPEndpointError) -> OTLPEndpoint {
        let lower = text.lowercased()
        if lower.hasPrefix("https://") {
            throw OTLPEndpointError(text: text, reason: "https is not supported; send to a local Collector over http")
        }
        guard lower.hasPrefix("http://") else {
            throw OTLPEndpointError(text: text, reason: "expected http://host:port")
        }
        var rest = Substring(text.dropFirst("http://".count))
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[slash...])
            rest = rest[..<slash]
        }
        guard !path.contains("?"), !path.contains("#"), !rest.contains("@") else {
            throw OTLPEndpointError(text: text, reason: "no query, fragment or user info expected")
        }
        var host: String
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw OTLPEndpointError(text: text, reason: "unclosed [ in the host")
            }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw OTLPEndpointError(text: text, reason: "junk after ]") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            host = String(rest)
        }
        guard !host.isEmpty else { throw OTLPEndpointError(text: text, reason: "no host") }
        var port = 80
        if let portText {
            guard let number = Int(portText), (1...65_535).contains(number) else {
                throw OTLPEndpointError(text: text, reason: "port must be 1-65535")
            }
            port = number
        }
        while path.hasSuffix("/") { path.removeLast() }
        for signal in ["/v1/traces", "/v1/metrics"] where path.hasSuffix(signal) {
            path.removeLast(signal.count)
        }
        host = host.lowercased() == "localhost" ? "127.0.0.1" : host
        return OTLPEndpoint(host: host, port: port, basePath: path)
    }
}

/// An `--otlp-endpoint` that cannot be used.
package struct OTLPEndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    package var text: String
    package var reason: String
    package var description: String { "invalid OTLP endpoint \"\(text)\": \(reason)" }
}
