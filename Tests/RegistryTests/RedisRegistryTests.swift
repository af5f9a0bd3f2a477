import Foundation
import NetworkLayers
import Synchronization
import TestSupport
import Testing

@testable import Registry

/// Against real `redis-server`s on loopback, filled exactly as Dubbo's RedisRegistry fills them.
@Suite("Redis registry", .tags(.redis), .timeLimit(.minutes(2)))
struct RedisRegistryTests {
    static let demo = "org.apache.dubbo.demo.DemoService"
    static let providers = "/dubbo/\(demo)/providers"
    static let consumers = "/dubbo/\(demo)/consumers"
    static func providerURL(_ host: String = "10.0.0.2", port: Int = 20880, application: String = "demo-provider")
        -> String
    {
        "dubbo://\(host):\(port)/\(demo)?anyhost=true&application=\(application)&deprecated=false&dubbo=2.0.2"
            + "&dynamic=true&generic=false&interface=\(demo)&methods=sayHello,sayHelloAsync&pid=12345&release=2.7.8"
            + "&side=provider&timestamp=1600000000000"
    }
    static let consumerURL =
        "consumer://10.0.0.1/\(demo)?application=demo-consumer&category=consumers&check=false&dubbo=2.0.2"
        + "&interface=\(demo)&methods=sayHello,sayHelloAsync&pid=23456&release=2.7.8&side=consumer&sticky=false"
        + "&timestamp=1600000001000"
    static let provider = Endpoint(address: IPAddress(10, 0, 0, 2), port: 20880)

    /// Fills the PROTOCOL.md §6.5 example registry.
    static func fill(_ redis: TestRedis) throws {
        try redis.register(providers, providerURL(), expiry: Expiry.fresh)
        try redis.register(
            "/dubbo/com.foo.OrderService/providers",
            "dubbo://10.0.0.5:20880/com.foo.OrderService?anyhost=true&application=order-app&group=g1"
                + "&interface=com.foo.OrderService&methods=create,query&side=provider&version=1.0.0",
            expiry: Expiry.fresh
        )
        try redis.register(consumers, consumerURL, expiry: Expiry.fresh)
        try redis.register(
            "/dubbo/\(demo)/configurators",
            "override://0.0.0.0/\(demo)?category=configurators&dynamic=false&weight=200", expiry: Expiry.past
        )
        // Not registry data: another application's key outside the root.
        try redis.cli("SET", "/other/thing", "x")
    }

    /// Lines the watcher logs, for checking what it told the user.
    final class LogLines: Sendable {
        private let lines = Mutex<[String]>([])
        func add(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    // MARK: Reading

    @Test("the directory holds every provider, consumer and configurator Dubbo registered")
    func directoryContents() throws {
        let redis = try TestRedis()
        try Self.fill(redis)
        let result = try RegistryReader(address: try RegistryAddress(parsing: redis.address)).read()
        let directory = result.directory
        #expect(result.node.description == redis.node)
        #expect(result.failures.isEmpty)
        #expect(
            directory.keys.keys.sorted() == [
                "/dubbo/com.foo.OrderService/providers", "/dubbo/\(Self.demo)/configurators", Self.consumers,
                Self.providers,
            ])
        let demo = directory.providers(at: Self.provider)
        #expect(demo.count == 1)
        #expect(demo.first?.url.application == "demo-provider")
        #expect(demo.first?.url.methods == ["sayHello", "sayHelloAsync"])
        #expect(demo.first?.url.release == "2.7.8")
        let order = directory.providers(at: Endpoint(address: IPAddress(10, 0, 0, 5), port: 20880))
        #expect(order.map(\.url.version) == ["1.0.0"])
        #expect(order.map(\.url.group) == ["g1"])
        #expect(directory.consumers(on: IPAddress(10, 0, 0, 1)).map(\.url.application) == ["demo-consumer"])
        let configurator = directory.entries.first { $0.category == .configurators }
        #expect(configurator?.isStale(atMilliseconds: Int64.max) == false)
        #expect(directory.problems.isEmpty)
    }

    @Test("group=… reads only its own root")
    func groupRoot() throws {
        let redis = try TestRedis()
        try redis.register("/test/a.B/providers", "dubbo://10.0.0.7:1/a.B?application=in-test", expiry: Expiry.fresh)
        try redis.register("/dubbo/a.B/providers", "dubbo://10.0.0.8:1/a.B?application=in-dubbo", expiry: Expiry.fresh)
        let directory = try RegistryReader(address: try RegistryAddress(parsing: redis.address + "?group=test")).read()
            .directory
        #expect(directory.root == "/test/")
        #expect(directory.entries.map(\.url.application) == ["in-test"])
    }

    @Test("many keys come back through several SCAN rounds, each read once")
    func scanPages() throws {
        let redis = try TestRedis()
        for index in 0..<60 {
            try redis.cli(
                "HSET", "/dubbo/svc.S\(index)/providers",
                "dubbo://10.1.0.\(index):20880/svc.S\(index)?application=a\(index)", "1")
        }
        var limits = RegistryLimits()
        limits.scanCount = 7
        let directory = try RegistryReader(address: try RegistryAddress(parsing: redis.address), limits: limits).read()
            .directory
        #expect(directory.keys.count == 60)
        #expect(directory.providerCount == 60)
    }

    @Test("malformed URLs and a key of the wrong type are counted with their keys; the rest is read")
    func malformedEntries() throws {
        let redis = try TestRedis()
        try Self.fill(redis)
        try redis.register(
            Self.providers, "dubbo://10.0.0.3:notaport/\(Self.demo)?application=broken", expiry: Expiry.fresh)
        try redis.register(Self.providers, "garbage", expiry: Expiry.fresh)
        try redis.cli("SET", "/dubbo/a.String/providers", "not a hash")
        let directory = try RegistryReader(address: try RegistryAddress(parsing: redis.address)).read().directory
        let problems = directory.problems
        #expect(problems.count == 3)
        #expect(
            problems.contains { $0.key == "/dubbo/a.String/providers" && $0.reason.hasPrefix("not a hash (WRONGTYPE") })
        #expect(problems.contains { $0.key == Self.providers && $0.field == "garbage" })
        #expect(
            problems.contains {
                $0.key == Self.providers && $0.reason == "malformed URL (port 'notaport' is not 0...65535)"
            })
        #expect(directory.providers(at: Self.provider).map(\.url.application) == ["demo-provider"])
    }

    @Test("AUTH and SELECT as configured: the right password and database read the data")
    func authAndDatabase() throws {
        let redis = try TestRedis(password: "s3cret-pw")
        try redis.register(Self.providers, Self.providerURL(), expiry: Expiry.fresh, database: 3)
        let address = try RegistryAddress(parsing: "redis://:s3cret-pw@127.0.0.1:\(redis.port)?db.index=3")
        #expect(try RegistryReader(address: address).read().directory.providerCount == 1)
        let database0 = try RegistryAddress(parsing: "redis://:s3cret-pw@127.0.0.1:\(redis.port)")
        #expect(try RegistryReader(address: database0).read().directory.providerCount == 0)
    }

    @Test("a wrong or missing password is a clear error naming the node, never showing the password")
    func wrongPassword() throws {
        let redis = try TestRedis(password: "right-pw")
        for text in ["redis://:wrong-pw@127.0.0.1:\(redis.port)", "redis://127.0.0.1:\(redis.port)"] {
            do {
                _ = try RegistryReader(address: try RegistryAddress(parsing: text)).read()
                Issue.record("expected an authentication failure for \(RegistryAddress.redact(text))")
            } catch {
                guard case .allNodesFailed(let failures) = error,
                    case .authenticationFailed(let node, _)? = failures.first
                else {
                    Issue.record("unexpected error \(error)")
                    continue
                }
                #expect(node == redis.node)
                #expect(error.description.contains("registry node \(redis.node): authentication failed"))
                #expect(!error.description.contains("wrong-pw") && !error.description.contains("right-pw"))
            }
        }
    }

    @Test("a database that does not exist is a clear error naming the node and the database")
    func wrongDatabase() throws {
        let redis = try TestRedis()
        do {
            _ = try RegistryReader(address: try RegistryAddress(parsing: redis.address + "?db.index=99")).read()
            Issue.record("expected a SELECT failure")
        } catch {
            guard case .allNodesFailed(let failures) = error,
                case .databaseSelectFailed(let node, 99, _)? = failures.first
            else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(node == redis.node)
            #expect(error.description.contains("cannot select database 99"))
        }
    }

    // MARK: Faults

    @Test("Redis down: a quick error naming the node")
    func redisDown() throws {
        let port = try LoopbackPort.unused()
        let start = Date()
        #expect {
            try RegistryReader(address: try RegistryAddress(parsing: "redis://127.0.0.1:\(port)")).read()
        } throws: { error in
            guard case .allNodesFailed(let failures) = error as? RegistryError,
                case .connectionFailed(let node, _)? = failures.first
            else { return false }
            return node == "127.0.0.1:\(port)" && "\(error)".contains("cannot connect")
        }
        #expect(Date().timeIntervalSince(start) < 3)
    }

    @Test("commands on a connection whose server died are errors, not SIGPIPE")
    func deadServerIsAnError() throws {
        let redis = try TestRedis()
        let address = try RegistryAddress(parsing: redis.address)
        let connection = try RegistryReader.open(RedisNode(host: "127.0.0.1", port: redis.port), address: address, limits: .default)
        redis.stop()
        var failures = 0
        for _ in 0..<5 {
            do {
                try connection.send(.ping)
                _ = try connection.call(.ping)
            } catch {
                failures += 1
                #expect(error.node == redis.node)
            }
        }
        #expect(failures == 5)
    }

    @Test("a hung Redis (accepting, never answering) ends in a timeout, not a hang")
    func hungRedis() throws {
        let redis = try TestRedis()
        try Self.fill(redis)
        redis.freeze()
        defer { redis.thaw() }
        let start = Date()
        #expect {
            try RegistryReader(address: try RegistryAddress(parsing: redis.address + "?timeout=300")).read()
        } throws: { error in
            guard case .allNodesFailed(let failures) = error as? RegistryError else { return false }
            return failures == [.timedOut(node: redis.node, command: "PING")]
        }
        #expect(Date().timeIntervalSince(start) < 3)
    }

    @Test("failover: the first node dead, the second is read, and the failure is counted")
    func failoverRead() throws {
        let first = try TestRedis()
        let second = try TestRedis()
        try Self.fill(first)
        try Self.fill(second)
        first.stop()
        let address = try RegistryAddress(parsing: "redis://127.0.0.1:\(first.port)?backup=127.0.0.1:\(second.port)")
        let result = try RegistryReader(address: address).read()
        #expect(result.node.description == second.node)
        #expect(result.failures.count == 1)
        #expect(result.failures.first?.node == first.node)
        #expect(result.directory.providerCount == 2)
    }

    @Test("replicate: reads start at a random node and fall back to the others")
    func replicateReads() throws {
        let first = try TestRedis()
        let second = try TestRedis()
        try Self.fill(first)
        try Self.fill(second)
        let address = try RegistryAddress(
            parsing: "redis://127.0.0.1:\(first.port)?backup=127.0.0.1:\(second.port)&cluster=replicate"
        )
        var nodesRead = Set<String>()
        for seed in 0..<16 {
            let result = try RegistryReader(address: address, seed: UInt64(seed)).read()
            #expect(result.directory.providerCount == 2)
            #expect(result.failures.isEmpty)
            nodesRead.insert(result.node.description)
        }
        #expect(nodesRead == [first.node, second.node])
        // Each server really served reads: its own command counter moved.
        for redis in [first, second] {
            let stats = try redis.cli("INFO", "commandstats")
            #expect(stats.contains("cmdstat_hgetall:calls="))
        }
        first.stop()
        for seed in 0..<8 {
            let result = try RegistryReader(address: address, seed: UInt64(seed)).read()
            #expect(result.node.description == second.node)
            #expect(result.directory.providerCount == 2)
        }
    }

    // MARK: Following changes

    @Test("live: a provider registered mid-run appears, and disappears when unregistered (HDEL + PUBLISH)")
    func liveRegisterAndUnregister() throws {
        let redis = try TestRedis()
        try Self.fill(redis)
        let lines = LogLines()
        let watcher = RegistryWatcher(address: try RegistryAddress(parsing: redis.address)) { lines.add($0) }
        watcher.start()
        defer { watcher.stop() }
        let first = try watcher.waitForFirstRead(timeoutMilliseconds: 5_000).get()
        #expect(first.providers(at: Self.provider).count == 1)

        let newcomer = Endpoint(address: IPAddress(10, 0, 0, 9), port: 20880)
        let url = Self.providerURL("10.0.0.9", application: "newcomer")
        var version = watcher.version
        try redis.register(Self.providers, url, expiry: Expiry.fresh)
        version = watcher.waitForUpdate(after: version, timeoutMilliseconds: 5_000)
        #expect(watcher.directory?.providers(at: newcomer).map(\.url.application) == ["newcomer"])

        try redis.unregister(Self.providers, url)
        version = watcher.waitForUpdate(after: version, timeoutMilliseconds: 5_000)
        #expect(watcher.directory?.providers(at: newcomer).isEmpty == true)
        #expect(watcher.directory?.providers(at: Self.provider).count == 1)

        // The last provider of a key goes: the key is gone from the directory.
        try redis.unregister(Self.providers, Self.providerURL())
        _ = watcher.waitForUpdate(after: version, timeoutMilliseconds: 5_000)
        #expect(watcher.directory?.providers(at: Self.provider).isEmpty == true)
        #expect(watcher.directory?.keys[Self.providers] == nil)

        let statistics = watcher.statistics
        #expect(statistics.connected)
        #expect(statistics.notifications == 3)
        #expect(statistics.keyReads == 3)
        #expect(statistics.fullReads == 1)
        #expect(lines.all.isEmpty)
    }

    @Test("live: the connection drops, the last directory is kept and said so, and the watcher reconnects")
    func liveReconnect() throws {
        let redis = try TestRedis()
        try Self.fill(redis)
        let lines = LogLines()
        let address = try RegistryAddress(parsing: redis.address + "?timeout=300")
        let watcher = RegistryWatcher(address: address, pingIntervalMilliseconds: 200) { lines.add($0) }
        watcher.start()
        defer { watcher.stop() }
        _ = try watcher.waitForFirstRead(timeoutMilliseconds: 5_000).get()
        let version = watcher.version

        redis.stop()
        try waitUntil {
            lines.all.contains { $0.contains("keeping the last directory (2 providers at 2 endpoints, 1 consumer)") }
        }
        #expect(watcher.directory?.providers(at: Self.provider).count == 1)
        #expect(!watcher.statistics.connected)

        let restarted = try TestRedis(port: redis.port)
        try restarted.register(
            Self.providers, Self.providerURL("10.0.0.9", application: "after-restart"), expiry: Expiry.fresh)
        watcher.waitForUpdate(after: version, timeoutMilliseconds: 10_000)
        // Connected comes before the first read after it: wait for the registration made while it was away.
        let registeredWhileAway = Endpoint(address: IPAddress(10, 0, 0, 9), port: 20880)
        try waitUntil { watcher.statistics.connected && watcher.directory?.providers(at: registeredWhileAway).count == 1 }
        #expect(watcher.directory?.providers(at: Self.provider).isEmpty == true)
        #expect(watcher.statistics.reconnects == 1)
        #expect(lines.all.contains { $0.contains("reconnected to \(redis.node)") })
    }

    @Test("live failover: the first of two servers is killed, the watcher moves to the second and counts it")
    func liveFailover() throws {
        let first = try TestRedis()
        let second = try TestRedis()
        try Self.fill(first)
        try Self.fill(second)
        try second.register(
            Self.providers, Self.providerURL("10.0.0.9", application: "only-on-second"), expiry: Expiry.fresh)
        let lines = LogLines()
        let address = try RegistryAddress(
            parsing: "redis://127.0.0.1:\(first.port)?backup=127.0.0.1:\(second.port)&timeout=300"
        )
        let watcher = RegistryWatcher(address: address, pingIntervalMilliseconds: 200) { lines.add($0) }
        watcher.start()
        defer { watcher.stop() }
        let initial = try watcher.waitForFirstRead(timeoutMilliseconds: 5_000).get()
        #expect(initial.providerCount == 2)
        #expect(watcher.statistics.node?.description == first.node)

        first.stop()
        try waitUntil { watcher.statistics.failovers == 1 && watcher.statistics.connected }
        #expect(watcher.statistics.node?.description == second.node)
        #expect(watcher.directory?.providerCount == 3)
        #expect(lines.all.contains { $0.contains("failed over from \(first.node) to \(second.node)") })

        // Changes on the second server are followed.
        let version = watcher.version
        try second.unregister(Self.providers, Self.providerURL("10.0.0.9", application: "only-on-second"))
        watcher.waitForUpdate(after: version, timeoutMilliseconds: 5_000)
        #expect(watcher.directory?.providerCount == 2)
    }

    @Test("live: Redis down at start is reported once the first attempt fails; the watcher keeps trying")
    func liveRedisDownAtStart() throws {
        let port = try LoopbackPort.unused()
        let lines = LogLines()
        let watcher = RegistryWatcher(address: try RegistryAddress(parsing: "redis://127.0.0.1:\(port)")) {
            lines.add($0)
        }
        watcher.start()
        defer { watcher.stop() }
        let first = watcher.waitForFirstRead(timeoutMilliseconds: 5_000)
        guard case .failure(.allNodesFailed(let failures)) = first else {
            Issue.record("expected the first read to fail, got \(first)")
            return
        }
        #expect(failures.first?.node == "127.0.0.1:\(port)")
        #expect(watcher.directory == nil)
        #expect(lines.all.first?.contains("no directory yet; retrying") == true)

        let late = try TestRedis(port: port)
        try Self.fill(late)
        try waitUntil { watcher.directory != nil }
        #expect(watcher.directory?.providerCount == 2)
    }

    @Test("a hung server during a live run is detected by PING and does not block stop()")
    func liveHungServer() throws {
        let redis = try TestRedis()
        try Self.fill(redis)
        let lines = LogLines()
        let address = try RegistryAddress(parsing: redis.address + "?timeout=300")
        let watcher = RegistryWatcher(address: address, pingIntervalMilliseconds: 200) { lines.add($0) }
        watcher.start()
        _ = try watcher.waitForFirstRead(timeoutMilliseconds: 5_000).get()
        redis.freeze()
        defer { redis.thaw() }
        try waitUntil { lines.all.contains { $0.contains("no reply to PING in time") } }
        #expect(watcher.directory?.providerCount == 2)
        let start = Date()
        watcher.stop()
        #expect(Date().timeIntervalSince(start) < 3)
    }

    // MARK: Read-only

    @Test("only read commands reach the server (MONITOR from a second connection)")
    func onlyReadCommands() throws {
        let redis = try TestRedis(password: "pw")
        try redis.register(Self.providers, Self.providerURL(), expiry: Expiry.fresh, database: 1)
        let monitor = Process()
        monitor.executableURL = URL(fileURLWithPath: try TestRedis.executable("redis-cli"))
        monitor.arguments = ["-h", "127.0.0.1", "-p", String(redis.port), "-a", "pw", "--no-auth-warning", "monitor"]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("monitor-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        monitor.standardOutput = try FileHandle(forWritingTo: file)
        monitor.standardError = FileHandle.nullDevice
        try monitor.run()
        // redis-cli buffers its output in a file; the server's client list says when MONITOR is on.
        var monitorID: Substring?
        try waitUntil {
            let list = (try? redis.cli("CLIENT", "LIST")) ?? ""
            monitorID = list.split(separator: "\n").first { $0.contains("cmd=monitor") }?
                .split(separator: " ").first?.dropFirst(3)  // "id=N"
            return monitorID != nil
        }

        let address = try RegistryAddress(parsing: redis.address + "?db.index=1")
        _ = try RegistryReader(address: address).read()
        let watcher = RegistryWatcher(address: address, pingIntervalMilliseconds: 100) { _ in }
        watcher.start()
        _ = try watcher.waitForFirstRead(timeoutMilliseconds: 5_000).get()
        usleep(400_000)  // a few PINGs
        watcher.stop()
        // The allow-list refuses a write before anything is sent.
        let connection = try RegistryReader.open(
            RedisNode(host: "127.0.0.1", port: redis.port), address: address, limits: .default)
        #expect(throws: RegistryError.commandNotAllowed("HSET")) {
            try connection.call(RedisCommand("HSET", ["k", "f", "v"]))
        }
        #expect(throws: RegistryError.commandNotAllowed("PUBLISH")) {
            try connection.send(RedisCommand("PUBLISH", ["k", "register"]))
        }
        usleep(200_000)
        // The server ends the MONITOR session, so redis-cli exits on its own and flushes what it printed.
        try redis.cli("CLIENT", "KILL", "ID", String(monitorID ?? ""))
        try waitUntil { !monitor.isRunning }
        monitor.waitUntilExit()

        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").dropFirst()
        var commands: [String] = []
        for line in lines {
            guard let close = line.firstIndex(of: "]"),
                let word = line[line.index(after: close)...].split(separator: "\"").first(where: {
                    !$0.allSatisfy { $0 == " " }
                })
            else { continue }
            // The test's own redis-cli (CLIENT LIST while waiting, CLIENT KILL to end the session).
            if word.uppercased() == "CLIENT" { continue }
            commands.append(word.uppercased())
        }
        #expect(!commands.isEmpty)
        #expect(Set(commands).isSubset(of: RedisCommand.readOnlyNames), "sent: \(Set(commands).sorted())")
        #expect(Set(commands).isSuperset(of: ["SCAN", "HGETALL", "PSUBSCRIBE", "SELECT", "PING"]))
        #expect(!commands.contains("KEYS"))
        #expect(try redis.cli("EXISTS", "k") == "0")
    }

    /// Polls `condition` every 20 ms for at most `seconds`.
    func waitUntil(seconds: Double = 10, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return }
            usleep(20_000)
        }
        throw TestRedis.Failure(description: "condition not met within \(seconds) s")
    }
}
