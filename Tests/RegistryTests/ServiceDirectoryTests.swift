import NetworkLayers
import Testing

@testable import Registry

@Suite("ServiceDirectory")
struct ServiceDirectoryTests {
    static let demo = "org.apache.dubbo.demo.DemoService"
    static let providerKey = "/dubbo/\(demo)/providers"
    static let consumerKey = "/dubbo/\(demo)/consumers"
    static let providerURL =
        "dubbo://10.0.0.2:20880/\(demo)?application=demo-provider&interface=\(demo)&methods=sayHello&side=provider"
    static let consumerURL = "consumer://10.0.0.1/\(demo)?application=demo-consumer&category=consumers&side=consumer"
    static let provider = Endpoint(address: IPAddress(10, 0, 0, 2), port: 20880)

    static func directory(_ hashes: [String: [String: String]], observed: Int64 = 2_000_000_000_000) -> ServiceDirectory
    {
        ServiceDirectory(root: "/dubbo/", source: "test", hashes: hashes, observedAtMilliseconds: observed)
    }

    @Test("providers are found by ip:port, consumers by host")
    func indexes() {
        let directory = Self.directory([
            Self.providerKey: [Self.providerURL: "1700000060000"],
            Self.consumerKey: [Self.consumerURL: "1700000060000"],
        ])
        let providers = directory.providers(at: Self.provider)
        #expect(providers.map(\.url.application) == ["demo-provider"])
        #expect(providers.first?.expiresAtMilliseconds == 1_700_000_060_000)
        #expect(providers.first?.interface == Self.demo)
        #expect(directory.providers(at: Endpoint(address: IPAddress(10, 0, 0, 2), port: 20881)).isEmpty)
        #expect(directory.consumers(on: IPAddress(10, 0, 0, 1)).map(\.url.application) == ["demo-consumer"])
        #expect(directory.providerCount == 1 && directory.consumerCount == 1 && directory.providerEndpointCount == 1)
        #expect(directory.problems.isEmpty)
    }

    @Test("an IPv6 provider registered bare or in brackets is found by the captured endpoint")
    func ipv6Index() {
        let directory = Self.directory([
            "/dubbo/a.B/providers": ["dubbo://2001:db8::2:20880/a.B?application=v6": "1"],
            "/dubbo/c.D/providers": ["dubbo://[2001:0db8:0:0::2]:20880/c.D?application=v6": "1"],
        ])
        let endpoint = Endpoint(address: IPAddress(groups: [0x2001, 0xdb8, 0, 0, 0, 0, 0, 2]), port: 20880)
        #expect(directory.providers(at: endpoint).map(\.interface) == ["a.B", "c.D"])
    }

    @Test("malformed URLs, bad expiries and foreign keys are problems with their key; the rest is used")
    func problems() {
        let directory = Self.directory([
            Self.providerKey: [Self.providerURL: "soon", "10.0.0.9:1/x": "1", "dubbo://h:99999/x": "1"],
            "/dubbo/no-category": ["dubbo://h:1/x": "1"],
        ])
        let problems = directory.problems
        #expect(problems.count == 4)
        #expect(problems.map(\.key) == ["/dubbo/no-category", Self.providerKey, Self.providerKey, Self.providerKey])
        #expect(problems[0].reason == "not a /dubbo/<interface>/<category> key")
        #expect(
            problems.contains { $0.field == "10.0.0.9:1/x" && $0.reason == "malformed URL (no protocol:// prefix)" })
        #expect(problems.contains { $0.reason == "malformed URL (port '99999' is not 0...65535)" })
        #expect(problems.contains { $0.reason == "expiry 'soon' is not epoch milliseconds" })
        // The entry with the bad expiry is kept, never expiring.
        #expect(directory.providers(at: Self.provider).first?.expiresAtMilliseconds == nil)
        #expect(directory.providers(at: Self.provider).first?.isStale(atMilliseconds: .max) == false)
    }

    @Test("a problem's field is redacted and cannot carry terminal escapes")
    func problemFieldsAreSafe() {
        let problem = RegistryProblem(key: "k", field: "dubbo://u:pw@h:x/a?token=t\u{1b}[2J", reason: "r")
        #expect(problem.field == "dubbo://u:***@h:x/a?token=***")
        let escaped = RegistryProblem(key: "k", field: "no-scheme\u{1b}[2J", reason: "r")
        #expect(escaped.field == "no-scheme\u{FFFD}[2J")
    }

    @Test("staleness: expired before both the time asked and the read; dynamic=false never")
    func staleness() {
        let observed: Int64 = 1_700_000_100_000
        let directory = Self.directory(
            [
                "/dubbo/a.B/providers": [
                    "dubbo://10.0.0.2:1/a.B?application=old": "1700000000000",
                    "dubbo://10.0.0.2:2/a.B?application=static&dynamic=false": "1",
                    "dubbo://10.0.0.2:3/a.B?application=live": "1700000160000",
                ]
            ],
            observed: observed
        )
        func entry(_ port: UInt16) -> RegistryEntry? {
            directory.providers(at: Endpoint(address: IPAddress(10, 0, 0, 2), port: port)).first
        }
        // Before the expiry: alive; after it (and after the read): stale.
        #expect(entry(1)?.isStale(atMilliseconds: 1_699_999_999_000) == false)
        #expect(entry(1)?.isStale(atMilliseconds: 1_700_000_000_001) == true)
        #expect(entry(2)?.isStale(atMilliseconds: .max) == false)
        // Alive when read: not stale later, whatever the time (its owner refreshes it without a message).
        #expect(entry(3)?.isStale(atMilliseconds: 1_800_000_000_000) == false)
        #expect(entry(3)?.isStale(atMilliseconds: 1_700_000_160_001) == false)
    }

    @Test("replacing a key re-indexes only its entries; removing it drops them")
    func updates() {
        let directory = Self.directory([
            Self.providerKey: [Self.providerURL: "1"],
            Self.consumerKey: [Self.consumerURL: "1"],
        ])
        let second = "dubbo://10.0.0.3:20880/\(Self.demo)?application=other"
        let replaced = directory.replacing(
            RegistryKeyContents(
                key: Self.providerKey, root: "/dubbo/", fields: [second: "2"], observedAtMilliseconds: 5)
        )
        #expect(replaced.providers(at: Self.provider).isEmpty)
        #expect(replaced.providers(at: Endpoint(address: IPAddress(10, 0, 0, 3), port: 20880)).count == 1)
        #expect(replaced.consumers(on: IPAddress(10, 0, 0, 1)).count == 1)
        let removed = replaced.removing(key: Self.consumerKey)
        #expect(removed.consumers(on: IPAddress(10, 0, 0, 1)).isEmpty)
        #expect(removed.keys.count == 1)
        // The original value is untouched.
        #expect(directory.providers(at: Self.provider).count == 1)
    }

    @Test("routers and configurators are kept but not indexed as providers")
    func otherCategories() {
        let directory = Self.directory([
            "/dubbo/a.B/configurators": ["override://0.0.0.0/a.B?category=configurators&dynamic=false&weight=200": "1"],
            "/dubbo/a.B/routers": ["route://0.0.0.0/a.B?category=routers&rule=x": "1"],
        ])
        #expect(directory.entries.map(\.category) == [.configurators, .routers])
        #expect(directory.providerCount == 0)
    }

    @Test("the text listing names providers, consumers, stale entries and problems")
    func textListing() {
        let directory = Self.directory(
            [
                Self.providerKey: [Self.providerURL: "1700000000000"],
                Self.consumerKey: [Self.consumerURL: "9999999999999"],
                "/dubbo/x/providers": ["junk": "1"],
            ],
            observed: 1_700_000_100_000
        )
        let text = directory.textListing(nowMilliseconds: 1_800_000_000_000)
        #expect(
            text == """
                Registry test (root /dubbo/): 3 keys, 1 provider at 1 endpoint, 1 consumer, 1 problem
                providers:
                  10.0.0.2:20880  demo-provider  org.apache.dubbo.demo.DemoService  methods=sayHello  [stale]
                consumers:
                  10.0.0.1  demo-consumer  org.apache.dubbo.demo.DemoService
                problems:
                  /dubbo/x/providers: malformed URL (no protocol:// prefix): junk

                """)
    }
}

@Suite("RedisCommand")
struct RedisCommandTests {
    @Test("every command the tool can build is a read command")
    func factoriesAreReadOnly() throws {
        let commands: [RedisCommand] = [
            .scan(cursor: "0", match: "/dubbo/*", count: 10), .hgetall("k"), .psubscribe("/dubbo/*"),
            .auth(username: nil, password: "p"), .auth(username: "u", password: "p"), .select(2), .ping,
        ]
        for command in commands {
            #expect(RedisCommand.readOnlyNames.contains(command.name))
            try RedisCommand.checkAllowed(command)
        }
        #expect(RedisCommand.readOnlyNames == ["SCAN", "HGETALL", "PSUBSCRIBE", "AUTH", "SELECT", "PING"])
    }

    @Test(
        "the allow-list refuses anything else",
        arguments: ["HSET", "HDEL", "PUBLISH", "DEL", "KEYS", "FLUSHALL", "CONFIG", "MONITOR", "scan"])
    func refusesOthers(name: String) {
        #expect(throws: RegistryError.commandNotAllowed(name)) {
            try RedisCommand.checkAllowed(RedisCommand(name, ["x"]))
        }
    }

    @Test("AUTH is described without its arguments")
    func authRedacted() {
        #expect(RedisCommand.auth(username: "u", password: "hunter2").description == "AUTH ***")
        #expect(
            RedisCommand.scan(cursor: "0", match: "/dubbo/*", count: 1000).description
                == "SCAN 0 MATCH /dubbo/* COUNT 1000")
    }

    @Test("glob characters in the root are escaped in MATCH and PSUBSCRIBE patterns")
    func patternEscaping() {
        #expect(RegistryReader.pattern(root: "/dubbo/") == "/dubbo/*")
        #expect(RegistryReader.pattern(root: "/a[1]?/") == "/a\\[1\\]\\?/*")
    }
}
