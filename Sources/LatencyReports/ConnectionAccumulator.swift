import RegistryJoin
import RecordFormats
import NetworkLayers

/// Running totals for one TCP connection: calls in flight, waits behind large responses, heartbeats.
/// Fixed size (the in-flight tracker keeps a bounded window).
struct ConnectionAccumulator {
    var client: Endpoint
    var server: Endpoint
    /// The client and server are known from a call (not only guessed from a heartbeat's sender).
    var rolesFromCall = false
    var calls = 0
    var inFlight = InFlightTracker()
    /// First and last byte times (ns) of the latest large response.
    var largeResponse: (first: Int64, last: Int64)?
    var waitedBehindLargeResponse = 0
    var waitedNanoseconds: Int64 = 0
    var heartbeats = 0
    var missedHeartbeats = 0
    var heartbeatCount = 0
    var heartbeatSum: Int64 = 0
    var heartbeatMin: Int64 = .max
    var heartbeatMax: Int64 = .min

    init(client: Endpoint, server: Endpoint) {
        self.client = client
        self.server = server
    }

    mutating func heartbeatAnswered(after microseconds: Int64) {
        heartbeatCount += 1
        heartbeatSum &+= microseconds
        heartbeatMin = min(heartbeatMin, microseconds)
        heartbeatMax = max(heartbeatMax, microseconds)
    }

    /// A call's request ended at `requestEnd` and its response ran from `responseFirst` to `responseLast`
    /// (nanoseconds). Counts a wait when the channel was busy with a large response the server had to finish first.
    mutating func answered(requestEnd: Int64, responseFirst: Int64, responseLast: Int64, responseBytes: Int,
                           largeThreshold: Int) {
        if let large = largeResponse, responseFirst != large.first, requestEnd < large.last,
           responseFirst >= large.last {
            waitedBehindLargeResponse += 1
            waitedNanoseconds &+= large.last - max(requestEnd, large.first)
        }
        if responseBytes >= largeThreshold, largeResponse.map({ responseLast > $0.last }) ?? true {
            largeResponse = (responseFirst, responseLast)
        }
    }

    var report: ConnectionReport {
        var report = ConnectionReport(client: client.description, server: server.description)
        report.calls = calls
        report.maxInFlight = inFlight.maximum
        report.waitedBehindLargeResponse = waitedBehindLargeResponse
        report.waitedMicroseconds = waitedNanoseconds / 1_000
        report.heartbeats = heartbeats
        report.missedHeartbeats = missedHeartbeats
        if heartbeatCount > 0 {
            report.heartbeatRTT = DistributionSummary(
                count: heartbeatCount, min: heartbeatMin, mean: Double(heartbeatSum) / Double(heartbeatCount),
                max: heartbeatMax, total: heartbeatSum)
        }
        return report
    }
}

/// A connection named without direction: the lower endpoint first.
struct ConnectionKey: Hashable {
    var low: Endpoint
    var high: Endpoint

    init(_ a: Endpoint, _ b: Endpoint) {
        if a < b {
            low = a
            high = b
        } else {
            low = b
            high = a
        }
    }
}

extension Int64 {
    /// Division rounding toward negative infinity (slot numbers of times before the epoch stay ordered).
    func roundedDownDivision(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
