/// Bounds on what is read from a registry: a misconfigured or hostile Redis cannot make the reader allocate
/// without limit or loop forever.
public struct RegistryLimits: Sendable, Equatable {
    /// Registry keys read; past this the read stops with `.limitExceeded`.
    public var maxKeys = 100_000
    /// URLs in one key's hash.
    public var maxFieldsPerKey = 100_000
    /// Longest URL kept; a longer one is reported as malformed.
    public var maxURLLength = 64 << 10
    /// `SCAN` round trips in one discovery (each returns about `scanCount` keys).
    public var maxScanIterations = 1_000_000
    /// `COUNT` hint given to `SCAN`.
    public var scanCount = 1_000

    /// Elements in one reply: a whole hash comes back as field, value, field, value….
    var maxReplyElements: Int { max(maxFieldsPerKey * 2, scanCount * 4) + 16 }

    public init() {}

    public static let `default` = RegistryLimits()
}

// ZooKeeper reads (docs/LIMITS.md).
extension RegistryLimits {
    /// Children listed under one znode (interfaces, categories, URLs, applications, instances); checked from the
    /// node's `Stat` before the list is fetched.
    public var maxZooKeeperChildren: Int { maxFieldsPerKey }
    /// Data read from one znode (instance JSON, mapping); ZooKeeper's own default cap is 1 MiB (`jute.maxbuffer`).
    public var maxZooKeeperDataBytes: Int { 1 << 20 }
    /// Znodes visited in one full read.
    public var maxZooKeeperNodes: Int { maxKeys * 4 }
    /// Wall time for one full read; past it the read fails as timed out.
    public var maxZooKeeperReadMilliseconds: Int64 { 120_000 }
}
