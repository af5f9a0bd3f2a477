/// Makes one consumer per connection. The reassembler keeps the factory, so it can also collect results
/// (for example the consumers' output) that the pipeline reads back through `TCPReassembler.factory`.
public protocol TCPStreamConsumerFactory {
    associatedtype Consumer: TCPStreamConsumer

    /// Called once when a connection is first seen, before any event for it.
    mutating func makeConsumer(for connection: ConnectionInfo) -> Consumer
}
