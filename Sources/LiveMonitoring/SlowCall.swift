package import InspectorCore

/// One of the slowest recent calls, as the live view lists it. Strings are wire data: sanitize before printing.
package struct SlowCall: Sendable, Equatable {
    package var latencyMicroseconds: Int64
    /// `service.method`.
    package var name: String
    package var client: String
    package var server: String
    /// The record's outcome (`ok`, `error`, `exception`).
    package var outcome: String
    package var requestTime: CaptureTime

    package init(latencyMicroseconds: Int64, name: String, client: String, server: String, outcome: String, requestTime: CaptureTime) {
        self.latencyMicroseconds = latencyMicroseconds
        self.name = name
        self.client = client
        self.server = server
        self.outcome = outcome
        self.requestTime = requestTime
    }
}

/// The `limit` slowest calls offered, slowest first.
struct SlowestCalls: Sendable {
    let limit: Int
    private(set) var calls: [SlowCall] = []

    init(limit: Int) {
        self.limit = max(0, limit)
    }

    /// Whether a call this slow would be kept: lets the caller skip building a `SlowCall` for most calls.
    func admits(_ latency: Int64) -> Bool {
        calls.count < limit || (calls.last.map { latency > $0.latencyMicroseconds } ?? false)
    }

    mutating func offer(_ call: SlowCall) {
        guard admits(call.latencyMicroseconds) else { return }
        let index = calls.firstIndex { $0.latencyMicroseconds < call.latencyMicroseconds } ?? calls.endIndex
        calls.insert(call, at: index)
        if calls.count > limit { calls.removeLast() }
    }
}
