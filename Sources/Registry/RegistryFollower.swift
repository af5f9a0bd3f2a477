/// Follows every registry given (`live --registry A --registry B`): one watcher per address — `RegistryWatcher`
/// for Redis, `ZooKeeperWatcher` for ZooKeeper — and their latest directories merged into one for the join.
public final class RegistryFollower: ServiceDirectorySource {
    private enum Follower: Sendable {
        case redis(RegistryWatcher)
        case zookeeper(ZooKeeperWatcher)

        var directory: ServiceDirectory? {
            switch self {
            case .redis(let watcher): return watcher.directory
            case .zookeeper(let watcher): return watcher.directory
            }
        }
    }

    private let followers: [Follower]

    /// `log` gets one line per event worth telling a person, from the watchers' threads.
    public init(locations: [RegistryLocation], limits: RegistryLimits = .default, log: @escaping @Sendable (String) -> Void) {
        followers = locations.map { location in
            switch location {
            case .redis(let address): return .redis(RegistryWatcher(address: address, limits: limits, log: log))
            case .zookeeper(let address): return .zookeeper(ZooKeeperWatcher(address: address, limits: limits, log: log))
            }
        }
    }

    public func start() {
        for follower in followers {
            switch follower {
            case .redis(let watcher): watcher.start()
            case .zookeeper(let watcher): watcher.start()
            }
        }
    }

    public func stop() {
        for follower in followers {
            switch follower {
            case .redis(let watcher): watcher.stop()
            case .zookeeper(let watcher): watcher.stop()
            }
        }
    }

    /// The merged directory of every registry read so far; nil until one has been.
    public var directory: ServiceDirectory? {
        let directories = followers.compactMap(\.directory)
        guard var merged = directories.first else { return nil }
        for other in directories.dropFirst() { merged = merged.merging(other) }
        return merged
    }

    /// Waits for each registry's first read (the timeout applies to each in turn); each one's outcome.
    public func waitForFirstReads(timeoutMilliseconds: Int64) -> [Result<ServiceDirectory, RegistryError>] {
        followers.map { follower in
            switch follower {
            case .redis(let watcher): return watcher.waitForFirstRead(timeoutMilliseconds: timeoutMilliseconds)
            case .zookeeper(let watcher): return watcher.waitForFirstRead(timeoutMilliseconds: timeoutMilliseconds)
            }
        }
    }
}
