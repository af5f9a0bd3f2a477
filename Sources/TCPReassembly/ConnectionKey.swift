internal import NetworkLayers

/// The two endpoints of a connection in a canonical order, so packets of both directions find the same entry.
///
/// Packed into plain integers (37 bytes) so hashing and comparing is cheap; the address family is kept apart,
/// so an IPv4 address never equals an IPv4-mapped IPv6 one.
struct ConnectionKey: Hashable, Sendable {
    private var lowHigh: UInt64
    private var lowLow: UInt64
    private var highHigh: UInt64
    private var highLow: UInt64
    /// Port of the lower endpoint in the top 16 bits, of the higher one in the bottom 16.
    private var ports: UInt32
    /// Bit 0: the lower endpoint is IPv6; bit 1: the higher one is.
    private var families: UInt8

    init(_ first: Endpoint, _ second: Endpoint) {
        let a = Packed(first)
        let b = Packed(second)
        let (low, high) = a.precedes(b) ? (a, b) : (b, a)
        lowHigh = low.high
        lowLow = low.low
        highHigh = high.high
        highLow = high.low
        ports = UInt32(low.port) << 16 | UInt32(high.port)
        families = low.family | high.family << 1
    }

    /// One endpoint as integers, with a total order used only to pick the canonical side.
    private struct Packed {
        var family: UInt8
        var high: UInt64
        var low: UInt64
        var port: UInt16

        init(_ endpoint: Endpoint) {
            switch endpoint.address {
            case .v4(let address): (family, high, low) = (0, 0, UInt64(address))
            case .v6(let high, let low): (family, self.high, self.low) = (1, high, low)
            }
            port = endpoint.port
        }

        func precedes(_ other: Packed) -> Bool {
            (family, high, low, port) <= (other.family, other.high, other.low, other.port)
        }
    }
}
