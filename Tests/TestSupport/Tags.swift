package import Testing

/// Tags for tests that need more than the package: CI runs everything; a laptop can leave these out
/// (`swift test --skip-build --skip .tags:root`, see the README).
extension Tag {
    /// Needs root: capturing on an interface (CAP_NET_RAW), dropping privileges to another user.
    @Tag package static var root: Self
    /// Starts a real `redis-server` on loopback.
    @Tag package static var redis: Self
    /// Renders a page in headless Chromium.
    @Tag package static var browser: Self
    /// Creates network namespaces or virtual interfaces (root as well).
    @Tag package static var networkNamespace: Self
}
