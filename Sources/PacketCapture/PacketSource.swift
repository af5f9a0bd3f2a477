/// A stream of captured packets: a file, several files merged, a live interface, or a test fixture.
package protocol PacketSource {
    /// The next packet, or `nil` at the end.
    ///
    /// The returned packet borrows the source's buffer: it is valid only until the next call on the
    /// source. After an error, a source may be asked again; it then continues where it can (a merged
    /// source with its other files) or reports the end.
    mutating func nextPacket() throws(CaptureError) -> CapturedPacket?
}
