import InspectorCore
import TCPReassembly

/// One consumer call, as logged by `RecordingConsumer`; times in whole capture seconds for readable tests.
enum RecordedEvent: Equatable, CustomStringConvertible {
    case opened(connection: Int, StreamDirection, midstream: Bool, at: Int64)
    case received(connection: Int, StreamDirection, [UInt8], at: Int64)
    case gap(connection: Int, StreamDirection, length: Int, at: Int64)
    case closed(connection: Int, StreamEnd, at: Int64)

    var description: String {
        switch self {
        case .opened(let c, let d, let m, let t): "opened(\(c), \(d), midstream: \(m), at: \(t))"
        case .received(let c, let d, let b, let t):
            "received(\(c), \(d), \"\(String(decoding: b, as: UTF8.self))\", at: \(t))"
        case .gap(let c, let d, let l, let t): "gap(\(c), \(d), \(l), at: \(t))"
        case .closed(let c, let e, let t): "closed(\(c), \(e), at: \(t))"
        }
    }
}

extension CaptureTime {
    /// Capture time at a whole second, as the tests write it.
    static func at(_ seconds: Int64) -> CaptureTime { CaptureTime(seconds: seconds, nanoseconds: 0) }

    var wholeSeconds: Int64 { nanosecondsSinceEpoch / 1_000_000_000 }
}
