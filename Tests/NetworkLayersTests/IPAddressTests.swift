import NetworkLayers
import Testing

@Suite("IPAddress and Endpoint text")
struct IPAddressTests {
    @Test("IPv4 prints as a dotted quad")
    func ipv4DottedQuad() {
        #expect(IPAddress(10, 1, 0, 3).description == "10.1.0.3")
        #expect(IPAddress.v4(0).description == "0.0.0.0")
        #expect(IPAddress.v4(0xffff_ffff).description == "255.255.255.255")
        #expect(IPAddress(10, 1, 0, 3) == .v4(0x0a01_0003))
    }

    @Test(
        "IPv6 prints in RFC 5952 form",
        arguments: [
            ([0, 0, 0, 0, 0, 0, 0, 0], "::"),
            ([0, 0, 0, 0, 0, 0, 0, 1], "::1"),
            ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], "2001:db8::1"),
            // Two runs of two: the first is compressed (§4.2.3).
            ([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1], "2001:db8::1:0:0:1"),
            // The longer run wins even when it comes later.
            ([0x2001, 0, 0, 1, 0, 0, 0, 1], "2001:0:0:1::1"),
            // A single zero group is not compressed (§4.2.2).
            ([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1], "2001:db8:0:1:1:1:1:1"),
            ([0xfe80, 0, 0, 0, 0, 0, 0, 0], "fe80::"),
            // Lowercase, no leading zeros (§4.1, §4.3).
            ([0x2001, 0x0db8, 0x00ab, 0xcdef, 0, 0, 0, 0x000a], "2001:db8:ab:cdef::a"),
            ([1, 2, 3, 4, 5, 6, 7, 8], "1:2:3:4:5:6:7:8"),
            // IPv4-mapped addresses keep the dotted quad (§5).
            ([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201], "::ffff:192.0.2.1"),
        ] as [([UInt16], String)]
    )
    func ipv6CanonicalText(groups: [UInt16], text: String) {
        #expect(IPAddress(groups: groups).description == text)
    }

    @Test("IPv6 groups round-trip through the two 64-bit halves")
    func ipv6GroupsRoundTrip() {
        let groups: [UInt16] = [0x2001, 0xdb8, 0x85a3, 0, 0, 0x8a2e, 0x370, 0x7334]
        let address = IPAddress(groups: groups)
        #expect(address == .v6(0x2001_0db8_85a3_0000, 0x0000_8a2e_0370_7334))
        #expect(address.groups == groups)
        #expect(IPAddress(10, 0, 0, 1).groups == [])
    }

    @Test("endpoints bracket IPv6 addresses")
    func endpointText() {
        #expect(Endpoint(address: IPAddress(10, 1, 0, 3), port: 20_880).description == "10.1.0.3:20880")
        #expect(
            Endpoint(address: IPAddress(groups: [0, 0, 0, 0, 0, 0, 0, 1]), port: 20_880).description == "[::1]:20880")
        #expect(
            Endpoint(address: IPAddress(groups: [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]), port: 443).description
                == "[2001:db8::1]:443")
    }

    @Test("endpoints order by address, then port; IPv4 before IPv6")
    func endpointOrder() {
        let a = Endpoint(address: IPAddress(10, 1, 0, 3), port: 50_000)
        let b = Endpoint(address: IPAddress(10, 1, 0, 7), port: 80)
        let c = Endpoint(address: IPAddress(10, 1, 0, 7), port: 20_880)
        let d = Endpoint(address: IPAddress(groups: [0, 0, 0, 0, 0, 0, 0, 1]), port: 1)
        #expect([d, c, a, b].sorted() == [a, b, c, d])
    }

    @Test("TCP flags print by name")
    func flagsText() {
        #expect(TCPFlags([.syn, .ack]).description == "SYN,ACK")
        #expect(TCPFlags(rawValue: 0xff).description == "FIN,SYN,RST,PSH,ACK,URG,ECE,CWR")
        #expect(TCPFlags().description == "none")
    }
}
