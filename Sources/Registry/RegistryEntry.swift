/// One registered URL: a field of a registry hash with its expiry (PROTOCOL.md §6.2).
public struct RegistryEntry: Sendable, Equatable {
    /// The hash it was read from, `<root><interface>/<category>`.
    public var key: String
    /// The interface named by the key.
    public var keyInterface: String
    public var category: RegistryCategory
    public var url: DubboURL {
        didSet { urlText = url.description }
    }
    /// `url.description` (secrets redacted), built once: the join writes it into every matching record.
    public private(set) var urlText: String
    /// The hash value: absolute expiry, epoch milliseconds; nil when the value is not a number (counted as a
    /// problem of the key; the entry is then treated as not expiring).
    public var expiresAtMilliseconds: Int64?
    /// The stored "expiry" of an entry that lives as long as its ZooKeeper znode: no expiry, and not a problem.
    public static let presenceMarker = "znode"
    /// Wall-clock time, epoch milliseconds, at which this key was last read from Redis.
    public var observedAtMilliseconds: Int64

    public init(
        key: String, keyInterface: String, category: RegistryCategory, url: DubboURL, expiresAtMilliseconds: Int64?,
        observedAtMilliseconds: Int64
    ) {
        self.key = key
        self.keyInterface = keyInterface
        self.category = category
        self.url = url
        self.urlText = url.description
        self.expiresAtMilliseconds = expiresAtMilliseconds
        self.observedAtMilliseconds = observedAtMilliseconds
    }

    /// The service interface: the URL's `interface` parameter or path, else the key's.
    public var interface: String { url.interface ?? keyInterface }

    /// Whether the registration had lapsed at `time` (epoch milliseconds; a capture time when analysing a capture).
    ///
    /// A `dynamic=false` entry never lapses. Otherwise the entry lapsed when its expiry is before both `time` and
    /// the moment it was read: owners refresh the expiry every half period without publishing anything, so an
    /// entry that was alive when it was read is taken to stay alive until the next read says otherwise.
    public func isStale(atMilliseconds time: Int64) -> Bool {
        guard url.isDynamic, let expiry = expiresAtMilliseconds else { return false }
        return expiry < min(time, observedAtMilliseconds)
    }
}
