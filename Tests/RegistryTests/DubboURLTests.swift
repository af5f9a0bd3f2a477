import NetworkLayers
import Testing

@testable import Registry

@Suite("DubboURL")
struct DubboURLTests {
    static let provider =
        "dubbo://192.168.1.10:20880/org.apache.dubbo.demo.DemoService?anyhost=true&application=demo-provider"
        + "&deprecated=false&dubbo=2.0.2&dynamic=true&generic=false&interface=org.apache.dubbo.demo.DemoService"
        + "&methods=sayHello,sayHelloAsync&pid=12345&release=2.7.8&serialization=hessian2&side=provider"
        + "&timestamp=1600000000000&version=1.0.0&group=g1&weight=100"

    @Test("a provider URL as Dubbo writes it: every well-known parameter")
    func providerURL() throws {
        let url = try DubboURL(parsing: Self.provider)
        #expect(url.scheme == "dubbo")
        #expect(url.host == "192.168.1.10")
        #expect(url.port == 20880)
        #expect(url.path == "org.apache.dubbo.demo.DemoService")
        #expect(url.endpoint == Endpoint(address: IPAddress(192, 168, 1, 10), port: 20880))
        #expect(url.application == "demo-provider")
        #expect(url.interface == "org.apache.dubbo.demo.DemoService")
        #expect(url.version == "1.0.0")
        #expect(url.group == "g1")
        #expect(url.methods == ["sayHello", "sayHelloAsync"])
        #expect(url.side == "provider")
        #expect(url.dubboVersion == "2.0.2")
        #expect(url.release == "2.7.8")
        #expect(url.pid == 12345)
        #expect(url.weight == 100)
        #expect(url.timestamp == 1_600_000_000_000)
        #expect(url.serialization == "hessian2")
        #expect(url.isDynamic)
        #expect(url.parameters.count == 16)
    }

    @Test("the text form sorts parameters by key, as URL.toFullString does")
    func sortedText() throws {
        let url = try DubboURL(parsing: "dubbo://10.0.0.2:20880/a.B?side=provider&application=x&methods=m")
        #expect(url.description == "dubbo://10.0.0.2:20880/a.B?application=x&methods=m&side=provider")
    }

    @Test("a consumer URL has no port; the interface falls back to the path")
    func consumerURL() throws {
        let url = try DubboURL(parsing: "consumer://10.0.0.1/com.foo.Bar?application=c&category=consumers")
        #expect(url.port == nil)
        #expect(url.address == IPAddress(10, 0, 0, 1))
        #expect(url.interface == "com.foo.Bar")
        #expect(url.category == "consumers")
    }

    @Test("parameters are unescaped; a lone % stays; a part without = is its own value; empty keys are skipped")
    func parameterRules() throws {
        let url = try DubboURL(parsing: "dubbo://h:1/p?a=x%2Cy&b=100%&flag&=v&c=%zz&d= spaced ")
        #expect(url[parameter: "a"] == "x,y")
        #expect(url[parameter: "b"] == "100%")
        #expect(url[parameter: "flag"] == "flag")
        #expect(url[parameter: "c"] == "%zz")
        #expect(url[parameter: "d"] == "spaced")
        #expect(url.parameters.count == 5)
    }

    @Test("IPv6 hosts: in brackets, or bare with the last colon before the port as Dubbo 2.7 writes them")
    func ipv6Hosts() throws {
        let bracketed = try DubboURL(parsing: "dubbo://[2001:db8::2]:20880/a.B")
        let bare = try DubboURL(parsing: "dubbo://2001:db8::2:20880/a.B")
        let expected = Endpoint(address: IPAddress(groups: [0x2001, 0xdb8, 0, 0, 0, 0, 0, 2]), port: 20880)
        #expect(bracketed.endpoint == expected)
        #expect(bare.endpoint == expected)
        #expect(bare.description == "dubbo://[2001:db8::2]:20880/a.B")
        let consumer = try DubboURL(parsing: "consumer://2001:db8::1/a.B")
        #expect(consumer.port == nil)
        #expect(consumer.address == IPAddress(groups: [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]))
    }

    @Test("dynamic=false never expires; anything else is dynamic")
    func dynamicFlag() throws {
        #expect(try !DubboURL(parsing: "override://0.0.0.0/a.B?dynamic=false").isDynamic)
        #expect(try DubboURL(parsing: "override://0.0.0.0/a.B?dynamic=true").isDynamic)
        #expect(try DubboURL(parsing: "override://0.0.0.0/a.B").isDynamic)
    }

    @Test("secrets are redacted in the text: user-info password, password and token parameters")
    func secretsRedacted() throws {
        let url = try DubboURL(parsing: "dubbo://admin:pw@10.0.0.2:20880/a.B?token=abc-123&password=x&z=1")
        #expect(url.description == "dubbo://admin:***@10.0.0.2:20880/a.B?password=***&token=***&z=1")
        #expect(url.text(redacted: false).contains("token=abc-123"))
    }

    @Test(
        "malformed URLs are rejected with their reason",
        arguments: [
            ("", DubboURLError.empty),
            ("10.0.0.2:20880/a.B", .missingProtocol),
            ("://10.0.0.2:20880/a.B", .missingProtocol),
            ("du bbo://h/a", .badProtocol("du bbo")),
            ("dubbo:///a.B", .missingHost),
            ("dubbo://h:port/a.B", .badPort("port")),
            ("dubbo://h:70000/a.B", .badPort("70000")),
            ("dubbo://[::1/a.B", .badHost("[::1")),
            ("dubbo://h\u{1b}[31m/a", .controlCharacter),
            ("dubbo://ho$t:1/a", .badHost("ho$t")),
        ]
    )
    func malformed(text: String, error: DubboURLError) {
        #expect(throws: error) { try DubboURL(parsing: text) }
    }

    @Test("a URL longer than the limit is rejected before it is split")
    func tooLong() {
        let text = "dubbo://h:1/a?x=" + String(repeating: "y", count: 100)
        #expect(throws: DubboURLError.tooLong(length: text.utf8.count, limit: 64)) {
            try DubboURL(parsing: text, maxLength: 64)
        }
    }
}

@Suite("IPAddressText")
struct IPAddressTextTests {
    @Test("IPv4 and IPv6 literals parse to the captured form")
    func literals() {
        #expect(IPAddressText.parse("10.0.0.2") == IPAddress(10, 0, 0, 2))
        #expect(IPAddressText.parse("::1") == IPAddress(groups: [0, 0, 0, 0, 0, 0, 0, 1]))
        #expect(IPAddressText.parse("2001:DB8:0:0:0:0:0:2") == IPAddress(groups: [0x2001, 0xdb8, 0, 0, 0, 0, 0, 2]))
        #expect(IPAddressText.parse("::ffff:10.0.0.2") == IPAddress(groups: [0, 0, 0, 0, 0, 0xffff, 0x0a00, 2]))
        #expect(IPAddressText.parse("fe80::1%eth0") == IPAddress(groups: [0xfe80, 0, 0, 0, 0, 0, 0, 1]))
    }

    @Test(
        "anything else is not an address",
        arguments: ["", "1.2.3", "1.2.3.256", "01.2.3.4x", "1::2::3", "host", "+1::", "1:2:3:4:5:6:7:8:9"])
    func notAddresses(text: String) {
        #expect(IPAddressText.parse(text) == nil)
    }
}
