internal import InspectorCore

/// Out-of-order bytes waiting for the hole before them to fill: a copy, since the packet's span is gone.
///
/// The entry covers `length` sequence numbers from `start`: first the captured `bytes`, then `cutLength`
/// numbers the snap length cut off, which will be reported as a gap when the entry is delivered.
struct BufferedSegment {
    var start: TCPSequence
    var bytes: [UInt8]
    var cutLength: Int
    /// Capture time of the packet that carried these bytes.
    var time: CaptureTime

    var length: Int { bytes.count + cutLength }
    var end: TCPSequence { start.advanced(by: length) }
}
