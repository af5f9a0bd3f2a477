import RegistryJoin
import RecordFormats
import Correlation
import DubboWire
import Hessian2
import InspectorCore

/// Identity of a group: the fields the grouping uses, the others nil. `placeholder` names calls whose service is
/// unknown (body not decoded, request not captured) so they form their own group.
struct GroupKey: Hashable {
    var service: String?
    var method: String?
    var provider: String?
    var consumer: String?
    var placeholder: String?

    static let overflow = GroupKey(placeholder: "(other groups)")

    func label(for grouping: ReportGrouping) -> String {
        if let placeholder {
            return service.map { "\($0) \(placeholder)" } ?? placeholder
        }
        switch grouping {
        case .service: return service ?? "?"
        case .method: return "\(service ?? "?").\(method ?? "?")"
        case .provider: return provider ?? "?"
        case .consumer: return consumer ?? "?"
        case .connection: return "\(consumer ?? "?") → \(provider ?? "?")"
        }
    }
}

/// One time-series slot of one group.
struct SeriesSlot {
    var calls = 0
    var errors = 0
    var exceptions = 0
    var noResponse = 0
    var latency: SlotHistogram?
    var serverSum: Int64 = 0
    var serverCount = 0

    mutating func merge(_ other: SeriesSlot) {
        calls += other.calls
        errors += other.errors
        exceptions += other.exceptions
        noResponse += other.noResponse
        serverSum &+= other.serverSum
        serverCount += other.serverCount
        if let theirs = other.latency {
            if latency == nil {
                latency = theirs
            } else {
                latency?.add(theirs)
            }
        }
    }

    func point(start: CaptureTime) -> SeriesPoint {
        let levels = latency.flatMap { $0.count > 0 ? $0.percentiles([50, 99]) : nil }
        return SeriesPoint(
            start: start, calls: calls, errors: errors, exceptions: exceptions, noResponse: noResponse,
            p50: levels.map { Int64(clamping: $0[0]) }, p99: levels.map { Int64(clamping: $0[1]) },
            serverMean: serverCount > 0 ? Double(serverSum) / Double(serverCount) : nil)
    }
}

/// The slowest calls seen so far, slowest first, at most `capacity`.
struct SlowestCalls {
    let capacity: Int
    private(set) var calls: [SlowCallEntry] = []

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// Whether a call this slow would be kept (so the caller builds it only then).
    func admits(_ latency: Int64) -> Bool {
        guard capacity > 0 else { return false }
        return calls.count < capacity || latency > (calls.last?.latencyMicroseconds ?? .min)
    }

    mutating func insert(_ call: SlowCallEntry) {
        guard admits(call.latencyMicroseconds) else { return }
        // Stable: among equal latencies the earlier-seen call stays first.
        let position = calls.firstIndex { $0.latencyMicroseconds < call.latencyMicroseconds } ?? calls.count
        calls.insert(call, at: position)
        if calls.count > capacity { calls.removeLast() }
    }
}

/// Running totals for one group. Fixed size apart from the series slots (bounded by the aggregator) and the
/// exception classes (at most 20 plus `(other)`).
struct GroupAccumulator {
    static let maxExceptionClasses = 20

    var calls = 0
    var oneway = 0
    var errors = 0
    var exceptions = 0
    var noResponse = 0
    var orphanResponses = 0
    var recordsWithQualityFlags = 0
    /// Calls whose wire serialization their registered provider does not list (a registry was given).
    var serializationNotRegistered = 0
    var tripleCalls = 0
    var errorsByStatus: [String: Int] = [:]
    var exceptionsByClass: [String: Int] = [:]
    var latency = ValueDistribution()
    var server = ValueDistribution()
    var transfer = ValueDistribution()
    var requestTransferSum: Int64 = 0
    var responseTransferSum: Int64 = 0
    var transferCount = 0
    var requestBytes = ValueDistribution()
    var responseBytes = ValueDistribution()
    var requestsNearLimit = 0
    var responsesNearLimit = 0
    var requestsTooLarge = 0
    var responsesTooLarge = 0
    var firstTime: CaptureTime?
    var lastTime: CaptureTime?
    /// Keyed by slot number: capture time (ns since the epoch) divided by the interval, rounded down.
    var slots: [Int64: SeriesSlot] = [:]
    var slowest: SlowestCalls

    init(slowestCapacity: Int) {
        slowest = SlowestCalls(capacity: slowestCapacity)
    }

    mutating func countException(_ className: String) {
        if exceptionsByClass[className] != nil || exceptionsByClass.count < Self.maxExceptionClasses {
            exceptionsByClass[className, default: 0] += 1
        } else {
            exceptionsByClass["(other)", default: 0] += 1
        }
    }

    mutating func seen(_ time: CaptureTime) {
        if firstTime.map({ time < $0 }) ?? true { firstTime = time }
        if lastTime.map({ time > $0 }) ?? true { lastTime = time }
    }

    /// Counts one call; returns whether it opened a new time-series slot and how many bytes its slots grew by.
    mutating func add(
        _ record: CallRecord, latency: Int64?, server: Int64?, slot: Int64?, nearLimit: Int, limit: Int
    ) -> (newSlot: Bool, seriesGrowth: Int) {
        calls += 1
        if record.isTriple { tripleCalls += 1 }
        if let time = record.startTime { seen(time) }
        if let end = record.lastByteTime { seen(end) }
        if !record.quality.isEmpty { recordsWithQualityFlags += 1 }
        switch record.outcome {
        case .error, .cancelled:
            errors += 1
            errorsByStatus[record.statusName ?? (record.outcome == .cancelled ? "RST_STREAM" : "UNKNOWN"), default: 0] += 1
        case .exception:
            exceptions += 1
            countException(Self.exceptionClass(of: record))
        case .noResponse: noResponse += 1
        case .oneway: oneway += 1
        case .ok, .unknown: break
        }
        if record.kind == .orphanResponse { orphanResponses += 1 }
        if let latency { self.latency.record(latency) }
        if let server { self.server.record(server) }
        if let request = record.requestFrame, let response = record.responseFrame,
           request.bodyState == .complete || request.bodyState == .tooLarge, response.bodyState != .truncated {
            let requestTransfer = request.lastByteTime.nanosecondsSinceEpoch - request.firstByteTime.nanosecondsSinceEpoch
            let responseTransfer = response.lastByteTime.nanosecondsSinceEpoch - response.firstByteTime.nanosecondsSinceEpoch
            transfer.record((requestTransfer + responseTransfer) / 1_000)
            requestTransferSum &+= requestTransfer / 1_000
            responseTransferSum &+= responseTransfer / 1_000
            transferCount += 1
        }
        if let length = record.requestBodyBytes, length >= 0 {
            requestBytes.record(length)
            if Int(length) >= nearLimit, Int(length) <= limit { requestsNearLimit += 1 }
            if Int(length) > limit || record.quality.contains(.requestTooLarge) { requestsTooLarge += 1 }
        }
        if let length = record.responseBodyBytes, length >= 0 {
            responseBytes.record(length)
            if Int(length) >= nearLimit, Int(length) <= limit { responsesNearLimit += 1 }
            if Int(length) > limit || record.quality.contains(.responseTooLarge) { responsesTooLarge += 1 }
        }
        guard let slot else { return (false, 0) }
        let isNew = slots[slot] == nil
        let growth = slots[slot, default: SeriesSlot()].add(record, latency: latency, server: server)
        return (isNew, growth)
    }

    /// Bytes held by the time series' slot histograms.
    var seriesFootprint: Int {
        slots.values.reduce(0) { $0 + ($1.latency?.footprint ?? 0) }
    }

    /// The record's exception class, or a placeholder saying why there is none.
    static func exceptionClass(of record: CallRecord) -> String {
        if let className = record.exceptionClassName { return className }
        if case .string? = record.response?.exception { return "(message only)" }
        return "(unknown class)"
    }

    /// Doubles the slot width: slots 2k and 2k+1 become slot k.
    mutating func widenSlots() {
        var merged: [Int64: SeriesSlot] = [:]
        merged.reserveCapacity(slots.count / 2 + 1)
        for (slot, contents) in slots {
            merged[slot.roundedDownDivision(by: 2), default: SeriesSlot()].merge(contents)
        }
        slots = merged
    }
}
