import Testing

@testable import Registry

@Suite("RegistryAddress")
struct RegistryAddressTests {
    @Test("redis://host:port gives one node, failover, root /dubbo/, db 0, 1000 ms")
    func plainAddress() throws {
        let address = try RegistryAddress(parsing: "redis://127.0.0.1:6380")
        #expect(address.nodes == [RedisNode(host: "127.0.0.1", port: 6380)])
        #expect(address.cluster == .failover)
        #expect(address.root == "/dubbo/")
        #expect(address.database == 0)
        #expect(address.timeoutMilliseconds == 1_000)
        #expect(!address.hasPassword)
        #expect(address.description == "redis://127.0.0.1:6380")
    }

    @Test("the port defaults to 6379 and the scheme is optional")
    func defaults() throws {
        #expect(try RegistryAddress(parsing: "redis.internal").nodes == [RedisNode(host: "redis.internal", port: 6379)])
        #expect(try RegistryAddress(parsing: "10.0.0.9:7000").nodes == [RedisNode(host: "10.0.0.9", port: 7000)])
    }

    @Test("every Dubbo parameter is read: backup, cluster, group, db.index, timeout, password")
    func fullForm() throws {
        let address = try RegistryAddress(
            parsing: "redis://:s3cret@10.0.0.1:6379?backup=10.0.0.2:6380,10.0.0.3&cluster=replicate&group=prod"
                + "&db.index=4&timeout=250&session=30000"
        )
        #expect(address.nodes.map(\.description) == ["10.0.0.1:6379", "10.0.0.2:6380", "10.0.0.3:6379"])
        #expect(address.cluster == .replicate)
        #expect(address.group == "prod")
        #expect(address.root == "/prod/")
        #expect(address.database == 4)
        #expect(address.timeoutMilliseconds == 250)
        #expect(address.password == "s3cret")
        #expect(address.username == nil)
    }

    @Test("host:port,host2:port2 makes the extra hosts backups, in order, without duplicates")
    func commaList() throws {
        let address = try RegistryAddress(parsing: "a:1,b:2,a:1,c:3")
        #expect(address.nodes.map(\.description) == ["a:1", "b:2", "c:3"])
    }

    @Test("a group already written with slashes gives the same root")
    func groupWithSlashes() throws {
        #expect(try RegistryAddress(parsing: "redis://h?group=/dubbo/").root == "/dubbo/")
        #expect(try RegistryAddress(parsing: "redis://h?group=a/b").root == "/a/b/")
    }

    @Test("IPv6 nodes are written in brackets")
    func ipv6() throws {
        let address = try RegistryAddress(parsing: "redis://[::1]:6390?backup=[2001:db8::5]")
        #expect(address.nodes == [RedisNode(host: "::1", port: 6390), RedisNode(host: "2001:db8::5", port: 6379)])
        #expect(address.description == "redis://[::1]:6390?backup=[2001:db8::5]:6379")
    }

    @Test("a user and a password go to AUTH; the description shows neither password")
    func userAndPassword() throws {
        let address = try RegistryAddress(parsing: "redis://reader:p%40ss@h:1")
        #expect(address.username == "reader")
        #expect(address.password == "p@ss")
        #expect(address.description == "redis://reader:***@h:1")
    }

    @Test(
        "bad addresses are refused with a reason",
        arguments: [
            ("", "empty"),
            ("http://h:1", "unsupported scheme"),
            ("redis://h:0", "port must be"),
            ("redis://h:99999", "port must be"),
            ("redis://h:abc", "port must be"),
            ("redis://h?cluster=mirror", "unsupported cluster 'mirror'"),
            ("redis://h?db.index=-1", "db.index"),
            ("redis://h?timeout=0", "timeout"),
            ("redis://::1:6379", "brackets"),
            ("redis://[10.0.0.1]:6379", "not an IPv6 address"),
            ("redis://h o:1", "spaces"),
            ("redis://?group=dubbo", "no host"),
        ]
    )
    func rejects(text: String, reason: String) {
        #expect {
            try RegistryAddress(parsing: text)
        } throws: { error in
            guard case .invalidAddress(_, let message) = error as? RegistryError else { return false }
            return message.contains(reason)
        }
    }

    @Test("an invalid address is described redacted in its error")
    func invalidAddressIsRedacted() {
        do {
            _ = try RegistryAddress(parsing: "redis://user:hunter2@h:1?cluster=bad&password=hunter3")
            Issue.record("expected an error")
        } catch {
            let text = error.description
            #expect(!text.contains("hunter2") && !text.contains("hunter3"))
            #expect(text.contains("redis://user:***@h:1?cluster=bad&password=***"))
        }
    }

    @Test("redaction hides user-info passwords and password parameters in any text")
    func redaction() {
        #expect(RegistryAddress.redact("redis://:pw@h:1") == "redis://:***@h:1")
        #expect(RegistryAddress.redact("redis://onlysecret@h:1") == "redis://***@h:1")
        #expect(RegistryAddress.redact("h:1?password=pw&group=g") == "h:1?password=***&group=g")
        #expect(RegistryAddress.redact("redis://h:1/path?x=1") == "redis://h:1/path?x=1")
    }

    @Test("replicate starts at a node chosen by the seed and keeps the others as fallbacks, in ring order")
    func replicateOrder() throws {
        let address = try RegistryAddress(parsing: "redis://a:1?backup=b:2,c:3&cluster=replicate")
        var starts = Set<String>()
        for seed in 0..<32 {
            var order = NodeOrder(seed: UInt64(seed))
            let nodes = order.nodes(for: address).map(\.host)
            #expect(nodes.count == 3)
            #expect(Set(nodes) == ["a", "b", "c"])
            let index = ["a", "b", "c"].firstIndex(of: nodes[0]) ?? 0
            #expect(nodes == (0..<3).map { ["a", "b", "c"][(index + $0) % 3] })
            starts.insert(nodes[0])
        }
        #expect(starts == ["a", "b", "c"])
        var failover = NodeOrder(seed: 7)
        #expect(failover.nodes(for: try RegistryAddress(parsing: "a:1,b:2,c:3")).map(\.host) == ["a", "b", "c"])
    }
}
