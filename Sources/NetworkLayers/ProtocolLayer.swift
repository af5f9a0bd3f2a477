/// A header layer, to say where a packet ended or went wrong.
public enum ProtocolLayer: String, Sendable, Hashable, CaseIterable {
    case link
    case ipv4
    case ipv6
    case tcp
}
