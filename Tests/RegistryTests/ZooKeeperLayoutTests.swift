import NetworkLayers
import Testing

@testable import Registry

@Suite("ZooKeeper addresses, node names, instances")
struct ZooKeeperLayoutTests {
    @Test("zookeeper://host:port: one server, root /dubbo, /services, default timeouts")
    func plainAddress() throws {
        let address = try ZooKeeperAddress(parsing: "zookeeper://127.0.0.1:2182")
        #expect(address.servers == [RedisNode(host: "127.0.0.1", port: 2182)])
        #expect(address.root == "/dubbo")
        #expect(address.mappingRoot == "/dubbo/mapping")
        #expect(address.servicesRoot == "/services")
        #expect(address.timeoutMilliseconds == 5_000)
        #expect(address.sessionTimeoutMilliseconds == 10_000)
        #expect(address.description == "zookeeper://127.0.0.1:2182")
        #expect(address.connectString == "127.0.0.1:2182")
    }

    @Test("servers from the authority and from backup, in order, duplicates dropped, port 2181 by default")
    func servers() throws {
        let listed = try ZooKeeperAddress(parsing: "zookeeper://zk1:2181,zk2,[::1]:2183?backup=zk3:2184,zk1:2181")
        #expect(listed.servers.map(\.description) == ["zk1:2181", "zk2:2181", "[::1]:2183", "zk3:2184"])
        #expect(listed.connectString == "zk1:2181,zk2:2181,[::1]:2183,zk3:2184")
        #expect(listed.description == "zookeeper://zk1:2181?backup=zk2:2181,[::1]:2183,zk3:2184")
    }

    @Test("group, rootPath, timeout and session are read; other Dubbo parameters ignored")
    func parameters() throws {
        let address = try ZooKeeperAddress(
            parsing: "zookeeper://10.0.0.1:2181/org.apache.dubbo.registry.RegistryService?group=prod&rootPath=/sd/"
                + "&timeout=250&session=30000&client=curator&check=false")
        #expect(address.root == "/prod")
        #expect(address.servicesRoot == "/sd")
        #expect(address.timeoutMilliseconds == 250)
        #expect(address.sessionTimeoutMilliseconds == 30_000)
        #expect(try ZooKeeperAddress(parsing: "zookeeper://h?group=/dubbo/").root == "/dubbo")
    }

    @Test("bad ZooKeeper addresses are refused with a reason")
    func refused() {
        let cases: [(String, String)] = [
            ("zookeeper://", "no host"),
            ("zookeeper://h:0", "port must be"),
            ("zookeeper://h?timeout=abc", "timeout must be"),
            ("zookeeper://h?session=0", "session must be"),
            ("zookeeper://h?group=a/b", "group must name a znode"),
            ("zookeeper://h?group=..", "group must name a znode"),
            ("zookeeper://h?rootPath=services", "rootPath must be"),
            ("zookeeper://user:pw@h", "credentials are not supported"),
            ("zookeeper://1::2", "brackets"),
        ]
        for (text, reason) in cases {
            do {
                _ = try ZooKeeperAddress(parsing: text)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.description.contains(reason), "\(text): \(error)")
                #expect(!error.description.contains("pw@"), "\(error)")
            }
        }
    }

    @Test("RegistryLocation: zookeeper:// is ZooKeeper, redis:// or no scheme is Redis, anything else refused")
    func location() throws {
        #expect(try RegistryLocation(parsing: "zookeeper://h:1") == .zookeeper(try ZooKeeperAddress(parsing: "zookeeper://h:1")))
        #expect(try RegistryLocation(parsing: "ZooKeeper://h:1").description == "zookeeper://h:1")
        #expect(try RegistryLocation(parsing: "h:6380") == .redis(try RegistryAddress(parsing: "redis://h:6380")))
        #expect(throws: RegistryError.self) { try RegistryLocation(parsing: "etcd://h:2379") }
        #expect(throws: RegistryError.self) { try RegistryAddress(parsing: "zookeeper://h:2181") }
    }

    @Test("node names are decoded as Java's URLDecoder does: %XX and + for a space")
    func nodeNames() {
        let name =
            "dubbo%3A%2F%2F10.0.0.2%3A20880%2Forg.apache.dubbo.demo.DemoService%3Fapplication%3Ddemo-provider"
            + "%26methods%3DsayHello%2Cadd%26note%3Da+b%2Bc"
        #expect(
            ZooKeeperLayout.url(fromNodeName: name)
                == "dubbo://10.0.0.2:20880/org.apache.dubbo.demo.DemoService?application=demo-provider"
                + "&methods=sayHello,add&note=a b+c")
        #expect(ZooKeeperLayout.url(fromNodeName: "100%") == "100%")
    }

    @Test("mapping data: comma-separated applications, trimmed, empties and duplicates dropped")
    func mappings() {
        #expect(ZooKeeperLayout.applications(fromMapping: Array(" app-a,app-b,,app-a , app-c".utf8)) == ["app-a", "app-b", "app-c"])
        #expect(ZooKeeperLayout.applications(fromMapping: []) == [])
    }

    static let curatorJSON = """
        {"name":"demo-provider","id":"10.0.0.2:20880","address":"10.0.0.2","port":20880,"sslPort":null,\
        "payload":{"@class":"org.apache.dubbo.registry.zookeeper.ZookeeperInstance","id":"10.0.0.2:20880",\
        "name":"demo-provider","metadata":{"dubbo.endpoints":"[{\\"port\\":20880,\\"protocol\\":\\"dubbo\\"},\
        {\\"port\\":50051,\\"protocol\\":\\"tri\\"}]","dubbo.metadata.revision":"7f3c2a",\
        "dubbo.metadata.storage-type":"local"}},"registrationTimeUTC":1700000000000,"serviceType":"DYNAMIC",\
        "uriSpec":null}
        """

    @Test("a Curator instance: application, address, port, endpoints per protocol, revision")
    func instance() throws {
        let instance = try ServiceInstance(
            path: "/services/demo-provider/10.0.0.2:20880", data: Array(Self.curatorJSON.utf8),
            observedAtMilliseconds: 1)
        #expect(instance.application == "demo-provider")
        #expect(instance.address == IPAddress(10, 0, 0, 2))
        #expect(instance.port == 20880)
        #expect(instance.endpoints == [.init(protocolName: "dubbo", port: 20880), .init(protocolName: "tri", port: 50051)])
        #expect(instance.ports == [20880, 50051])
        #expect(instance.revision == "7f3c2a")
        #expect(instance.metadata["dubbo.metadata.storage-type"] == "local")
    }

    @Test("unusable instance data gives a reason, never a trap")
    func badInstances() {
        let cases: [(String, String)] = [
            ("", "not JSON"),
            ("[1,2]", "not a JSON object"),
            ("{\"name\":\"a\"}", "no \"address\""),
            ("{\"name\":\"a\",\"address\":\"10.0.0.1\"}", "neither \"port\" nor dubbo.endpoints"),
            ("{\"name\":\"a\",\"address\":\"10.0.0.1\",\"port\":70000}", "not 1...65535"),
            ("{\"name\":\"a\",\"address\":\"10.0.0.1\",\"port\":-1}", "not 1...65535"),
            (String(repeating: "[", count: 100), "not JSON"),
        ]
        for (text, reason) in cases {
            do {
                _ = try ServiceInstance(path: "/services/a/x", data: Array(text.utf8), observedAtMilliseconds: 0)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.reason.contains(reason), "\(text): \(error.reason)")
            }
        }
        // Endpoints that cannot be read are skipped; the main port still names the instance.
        let partial = try? ServiceInstance(
            path: "/services/a/x",
            data: Array(#"{"address":"10.0.0.1","port":1,"payload":{"metadata":{"dubbo.endpoints":"[{\"port\":0}]"}}}"#.utf8),
            observedAtMilliseconds: 0)
        #expect(partial?.application == "a")
        #expect(partial?.endpoints == [])
    }

    @Test("watched paths map to the part to re-read")
    func parts() throws {
        let address = try ZooKeeperAddress(parsing: "zookeeper://h")
        #expect(ZooKeeperLayout.part(of: "/dubbo/com.A/providers", address: address) == .category("/dubbo/com.A/providers"))
        #expect(ZooKeeperLayout.part(of: "/dubbo/com.A/providers/dubbo%3A", address: address) == .category("/dubbo/com.A/providers"))
        #expect(ZooKeeperLayout.part(of: "/dubbo/com.A", address: address) == .everything)
        #expect(ZooKeeperLayout.part(of: "/dubbo", address: address) == .everything)
        #expect(ZooKeeperLayout.part(of: "/services/app", address: address) == .application("app"))
        #expect(ZooKeeperLayout.part(of: "/services/app/10.0.0.1:1", address: address) == .application("app"))
        #expect(ZooKeeperLayout.part(of: "/services", address: address) == .everything)
        #expect(ZooKeeperLayout.part(of: "/dubbo/mapping/com.A", address: address) == .mapping("com.A"))
        #expect(ZooKeeperLayout.part(of: "/dubbo/config/x/y", address: address) == .everything)
    }

    @Test("directories merge: keys, instances and mappings of both; a snapshot keeps the application level")
    func mergeAndSnapshot() throws {
        let provider = "dubbo://10.0.0.2:20880/com.A?application=app-a&interface=com.A"
        let redis = ServiceDirectory(
            root: "/dubbo/", source: "redis://r", hashes: ["/dubbo/com.A/providers": [provider: "1"]],
            observedAtMilliseconds: 0)
        var zookeeper = ServiceDirectory(
            root: "/dubbo/", source: "zookeeper://z",
            hashes: ["/dubbo/com.A/providers": [provider.replacingOccurrences("10.0.0.2", "10.0.0.3"): RegistryEntry.presenceMarker]],
            observedAtMilliseconds: 0)
        let instance = try ServiceInstance(
            path: "/services/demo-provider/10.0.0.2:20880", data: Array(Self.curatorJSON.utf8),
            observedAtMilliseconds: 5)
        zookeeper = zookeeper.replacingApplicationLevel(
            instances: [instance], mappings: ["com.A": ["demo-provider"]], problems: [])
        let merged = redis.merging(zookeeper)
        #expect(merged.source == "redis://r + zookeeper://z")
        #expect(merged.providerCount == 2)
        #expect(merged.problems.isEmpty)
        #expect(merged.instances(at: Endpoint(address: IPAddress(10, 0, 0, 2), port: 50051)).count == 1)
        #expect(merged.applications(mappedTo: "com.A") == ["demo-provider"])
        let json = RegistrySnapshot.json(merged, nowMilliseconds: 10)
        let loaded = try RegistrySnapshot.parse(json, path: "snap.json")
        #expect(loaded.instances == merged.instances)
        #expect(loaded.mappings == merged.mappings)
        #expect(loaded.providerCount == 2)
        // A Redis-only snapshot has no application-level keys at all (unchanged format).
        #expect(!String(decoding: RegistrySnapshot.json(redis, nowMilliseconds: 10), as: UTF8.self).contains("instances"))
    }
}

extension String {
    fileprivate func replacingOccurrences(_ old: String, _ new: String) -> String {
        split(separator: old, omittingEmptySubsequences: false).joined(separator: new)
    }
}
