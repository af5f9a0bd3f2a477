package import InspectorCore
package import NetworkLayers

/// Heartbeat health of each connection: the last round trip, how many heartbeats went unanswered in a row.
///
/// Either end of a Dubbo connection may send heartbeats; both directions count for the one connection.
/// At most `capacity` connections are followed (the least recently heard is forgotten first), and a connection
/// silent for `forgetAfter` is dropped, so memory stays bounded on a capture that runs for days.
package struct HeartbeatTracker: Sendable {
    package struct Connection: Sendable, Equatable {
        /// The two ends, lower endpoint first.
        package var ends: (Endpoint, Endpoint)
        /// Capture time of the last heartbeat request seen.
        package var lastHeartbeat: CaptureTime
        /// Round trip of the last answered heartbeat, in microseconds.
        package var lastRoundTripMicroseconds: Int64?
        package var answered: UInt64 = 0
        package var unanswered: UInt64 = 0
        /// Heartbeats unanswered since the last answered one.
        package var missedInARow: UInt64 = 0

        package static func == (lhs: Connection, rhs: Connection) -> Bool {
            lhs.ends == rhs.ends && lhs.lastHeartbeat == rhs.lastHeartbeat
                && lhs.lastRoundTripMicroseconds == rhs.lastRoundTripMicroseconds && lhs.answered == rhs.answered
                && lhs.unanswered == rhs.unanswered && lhs.missedInARow == rhs.missedInARow
        }
    }

    struct Key: Hashable, Sendable {
        var low: Endpoint
        var high: Endpoint

        init(_ a: Endpoint, _ b: Endpoint) {
            (low, high) = a < b ? (a, b) : (b, a)
        }
    }

    package let capacity: Int
    package let forgetAfterSeconds: Double
    private var connections: [Key: Connection] = [:]

    package init(capacity: Int, forgetAfterSeconds: Double) {
        self.capacity = max(1, capacity)
        self.forgetAfterSeconds = forgetAfterSeconds
    }

    package var count: Int { connections.count }

    /// A heartbeat between `client` (its sender) and `server`: answered after `roundTripMicroseconds`, or not.
    package mutating func heartbeat(client: Endpoint, server: Endpoint, at time: CaptureTime, roundTripMicroseconds: Int64?) {
        let key = Key(client, server)
        if connections[key] == nil, connections.count >= capacity { forgetLeastRecent() }
        var entry = connections[key] ?? Connection(ends: (key.low, key.high), lastHeartbeat: time)
        entry.lastHeartbeat = max(entry.lastHeartbeat, time)
        if let roundTrip = roundTripMicroseconds {
            entry.lastRoundTripMicroseconds = roundTrip
            entry.answered += 1
            entry.missedInARow = 0
        } else {
            entry.unanswered += 1
            entry.missedInARow += 1
        }
        connections[key] = entry
    }

    /// Forgets connections silent since before `now − forgetAfter`.
    package mutating func forgetSilent(now: CaptureTime) {
        let deadline = now.adding(seconds: -forgetAfterSeconds)
        connections = connections.filter { $0.value.lastHeartbeat >= deadline }
    }

    /// Connections whose last heartbeats went unanswered first, then the most recently heard.
    package var connectionsByConcern: [Connection] {
        connections.values.sorted {
            if $0.missedInARow != $1.missedInARow { return $0.missedInARow > $1.missedInARow }
            if $0.lastHeartbeat != $1.lastHeartbeat { return $0.lastHeartbeat > $1.lastHeartbeat }
            return $0.ends.0 < $1.ends.0
        }
    }

    /// Connections whose most recent heartbeat is still unanswered.
    package var unhealthyCount: Int { connections.values.count { $0.missedInARow > 0 } }

    private mutating func forgetLeastRecent() {
        guard let oldest = connections.min(by: { $0.value.lastHeartbeat < $1.value.lastHeartbeat })?.key else { return }
        connections.removeValue(forKey: oldest)
    }
}
