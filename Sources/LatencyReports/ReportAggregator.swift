import RegistryJoin
import RecordFormats
public import Correlation
import DubboWire
import Hessian2
import InspectorCore
import NetworkLayers

/// Folds call records into a `LatencyReport` as they stream past. Records are not kept: each group holds
/// fixed-size histograms and counters, the time series holds at most `maxSeriesPoints` slots per group (the
/// interval doubles when the capture is longer) and `seriesBudget` slots in all, and only the slowest calls are
/// remembered. Feed records with `add`, then call `finish`.
public struct ReportAggregator {
    public let configuration: ReportConfiguration
    /// Groups in order of first appearance, found through `groupIndices`.
    private var groups: [GroupAccumulator] = []
    private var groupKeys: [GroupKey] = []
    private var groupIndices: [GroupKey: Int] = [:]
    private var connections: [ConnectionAccumulator] = []
    private var connectionIndices: [ConnectionKey: Int] = [:]
    private var edges: [EdgeKey: (calls: Int, failures: Int)] = [:]
    private var totals = ReportTotals()
    private var totalLatency = ValueDistribution()
    private var totalServer = ValueDistribution()
    private var slowest: SlowestCalls
    private var limitsHit = ReportLimitsHit()
    private var firstTime: CaptureTime?
    private var lastTime: CaptureTime?
    private var interval: Int64
    private var lowestSlot: Int64 = .max
    private var highestSlot: Int64 = .min
    private var slotCount = 0
    /// Bytes held by every group's slot histograms (`configuration.seriesByteBudget` bounds it).
    private var seriesBytes = 0
    private let argumentRenderer: JSONLinesFormatter
    /// Decodes arguments for the slowest calls only, when records carry them undecoded.
    private var argumentDecoder: CallArgumentDecoder
    private var findings = FindingsAccumulator()

    /// Endpoints, not names: names are looked up once per edge when the report is finished.
    private struct EdgeKey: Hashable {
        var consumer: IPAddress
        var provider: Endpoint
        var service: String?
    }

    /// Widest an interval gets (about 73 years): past this every capture fits in one slot.
    private static let widestInterval: Int64 = 1 << 61

    public init(configuration: ReportConfiguration) {
        self.configuration = configuration
        self.interval = configuration.adaptiveInterval
            ? ReportConfiguration.adaptiveStartNanoseconds : configuration.intervalNanoseconds
        self.slowest = SlowestCalls(capacity: configuration.slowestCount)
        self.argumentRenderer = JSONLinesFormatter(
            options: RecordRenderOptions(includePayload: configuration.includePayload,
                                         maxValueBytes: max(16, configuration.maxArgumentBytes)))
        self.argumentDecoder = CallArgumentDecoder(limits: configuration.decodingLimits)
    }

    // MARK: Adding records

    public mutating func add(_ record: CallRecord) {
        noteTimes(record)
        if !record.quality.isEmpty {
            totals.recordsWithQualityFlags += 1
            for name in record.quality.names { totals.qualityFlags[name, default: 0] += 1 }
        }
        switch record.kind {
        case .heartbeat:
            addHeartbeat(record)
        case .event:
            totals.events += 1
        case .call, .oneway, .orphanResponse:
            addCall(record)
        }
    }

    private mutating func noteTimes(_ record: CallRecord) {
        if record.wireProtocol == .triple {
            if let first = record.requestTime { note(first, record.requestEndTime ?? first) }
            if let first = record.responseTime { note(first, record.responseEndTime ?? first) }
            return
        }
        if let frame = record.requestFrame { note(frame.firstByteTime, frame.lastByteTime) }
        if let frame = record.responseFrame { note(frame.firstByteTime, frame.lastByteTime) }
    }

    private mutating func note(_ first: CaptureTime, _ last: CaptureTime) {
        if firstTime.map({ first < $0 }) ?? true { firstTime = first }
        if lastTime.map({ last > $0 }) ?? true { lastTime = last }
    }

    private mutating func addHeartbeat(_ record: CallRecord) {
        totals.heartbeats += 1
        let missed = record.outcome == .noResponse
        if missed { totals.missedHeartbeats += 1 }
        let rtt = record.latencyMicroseconds
        updateConnection(client: record.client, server: record.server, fromCall: false) { connection in
            connection.heartbeats += 1
            if missed { connection.missedHeartbeats += 1 }
            if let rtt { connection.heartbeatAnswered(after: max(0, rtt)) }
        }
    }

    private mutating func addCall(_ record: CallRecord) {
        let key = groupKey(record)
        let index = groupIndex(key)
        totals.calls += 1
        if record.isTriple { totals.tripleCalls += 1 }
        // Grouped by method, the group index already names the call's service and method: findings reuse it.
        let methodGroup = configuration.grouping == .method && groupKeys[index].method != nil ? index : nil
        findings.add(record, nearLimitBytes: configuration.nearLimitBytes, methodGroup: methodGroup)
        switch record.outcome {
        case .error, .cancelled: totals.errors += 1
        case .exception: totals.exceptions += 1
        case .noResponse: totals.noResponse += 1
        case .oneway: totals.oneway += 1
        case .ok, .unknown: break
        }
        if record.kind == .orphanResponse { totals.orphanResponses += 1 }
        let latency = record.latencyMicroseconds
        let server = record.serverMicroseconds
        if let latency { totalLatency.record(latency) }
        if let server { totalServer.record(server) }

        let slot = record.startTime.map { $0.nanosecondsSinceEpoch.roundedDownDivision(by: interval) }
        // Updated in place in the array: the histograms are never copied.
        let (isNewSlot, seriesGrowth) = groups[index].add(
            record, latency: latency, server: server, slot: slot,
            nearLimit: configuration.nearLimitBytes, limit: configuration.payloadLimitBytes)
        seriesBytes += seriesGrowth
        if let names = configuration.names,
           let listed = names.registeredSerializations(at: record.server, service: record.request?.service),
           !listed.contains(record.serialization.name) {
            groups[index].serializationNotRegistered += 1
            findings.addUnlistedSerialization(record, listed: listed)
        }
        if let latency {
            // Built once, and only for a call slow enough to be kept: it may decode the call's arguments.
            var entry: SlowCallEntry?
            if groups[index].slowest.admits(latency) {
                let built = slowCall(record, latency: latency)
                groups[index].slowest.insert(built)
                entry = built
            }
            if slowest.admits(latency) { slowest.insert(entry ?? slowCall(record, latency: latency)) }
        }
        if let slot, isNewSlot { slotAdded(slot) }
        if seriesBytes > configuration.seriesByteBudget { keepSeriesWithinBudget() }

        if record.kind != .orphanResponse {
            addEdge(record)
            let largeThreshold = configuration.largeResponseBytes
            let frames = record.requestFrame.flatMap { request in record.responseFrame.map { (request, $0) } }
            updateConnection(client: record.client, server: record.server, fromCall: true) { connection in
                connection.calls += 1
                guard let (request, response) = frames else { return }
                connection.inFlight.add(start: request.firstByteTime.nanosecondsSinceEpoch,
                                        end: response.firstByteTime.nanosecondsSinceEpoch)
                connection.answered(
                    requestEnd: request.lastByteTime.nanosecondsSinceEpoch,
                    responseFirst: response.firstByteTime.nanosecondsSinceEpoch,
                    responseLast: response.lastByteTime.nanosecondsSinceEpoch,
                    responseBytes: Int(response.header.bodyLength), largeThreshold: largeThreshold)
            }
        }
    }

    /// Where a record's group is in `groups`: its own (created on first use), or the overflow group when a new
    /// group would pass `maxGroups`.
    private mutating func groupIndex(_ key: GroupKey) -> Int {
        if let index = groupIndices[key] { return index }
        var key = key
        if groups.count >= configuration.maxGroups {
            limitsHit.recordsInOverflowGroup += 1
            key = .overflow
            if let index = groupIndices[key] { return index }
        }
        groups.append(GroupAccumulator(slowestCapacity: configuration.slowestPerGroup))
        groupKeys.append(key)
        groupIndices[key] = groups.count - 1
        return groups.count - 1
    }

    /// Updates a connection's accumulator in place (created on first use); nothing when a new connection would
    /// pass `maxConnections`. `update` must not touch the aggregator.
    private mutating func updateConnection(
        client: Endpoint, server: Endpoint, fromCall: Bool, _ update: (inout ConnectionAccumulator) -> Void
    ) {
        let key = ConnectionKey(client, server)
        let index: Int
        if let known = connectionIndices[key] {
            index = known
        } else {
            guard connections.count < configuration.maxConnections else {
                limitsHit.untrackedConnections += 1
                return
            }
            connections.append(ConnectionAccumulator(client: client, server: server))
            index = connections.count - 1
            connectionIndices[key] = index
        }
        if fromCall, !connections[index].rolesFromCall {
            connections[index].client = client
            connections[index].server = server
            connections[index].rolesFromCall = true
        }
        update(&connections[index])
    }

    private mutating func addEdge(_ record: CallRecord) {
        let key = EdgeKey(consumer: record.client.address, provider: record.server, service: record.serviceName)
        let failures = record.outcome == .error || record.outcome == .exception || record.outcome == .noResponse ? 1 : 0
        // One hash of the key per call: most calls follow an edge already known.
        if let index = edges.index(forKey: key) {
            edges.values[index].calls += 1
            edges.values[index].failures += failures
        } else if edges.count < configuration.maxServiceEdges {
            edges[key] = (1, failures)
        } else {
            limitsHit.droppedServiceEdges += 1
        }
    }

    private func groupKey(_ record: CallRecord) -> GroupKey {
        let service = record.serviceName
        let names = configuration.names
        var key = GroupKey()
        switch configuration.grouping {
        case .service, .method:
            guard let service else {
                key.placeholder = record.displayName
                return key
            }
            key.service = service
            if configuration.grouping == .method {
                guard let method = record.methodName else {
                    key.placeholder = "(method not decoded)"
                    return key
                }
                key.method = method
            }
        case .provider:
            key.provider = names?.provider(at: record.server, service: service) ?? record.server.description
        case .consumer:
            key.consumer = names?.consumer(at: record.client.address, service: service) ?? record.client.address.description
        case .connection:
            key.consumer = record.client.description
            key.provider = record.server.description
        }
        return key
    }

    private mutating func slowCall(_ record: CallRecord, latency: Int64) -> SlowCallEntry {
        var failure = record.response?.errorMessage ?? record.response?.exceptionSummary
        if failure == nil, record.outcome == .error { failure = record.statusName }
        return SlowCallEntry(
            time: record.startTime ?? .zero, service: record.serviceName, method: record.methodName,
            client: record.client.description, server: record.server.description, requestID: record.requestID,
            latencyMicroseconds: latency, serverMicroseconds: record.serverMicroseconds,
            outcome: record.outcome.rawValue, statusName: record.statusName,
            arguments: argumentsText(record), failure: failure.map { Self.cut($0, to: configuration.maxArgumentBytes) })
    }

    private mutating func argumentsText(_ record: CallRecord) -> String? {
        guard configuration.includePayload, let arguments = argumentDecoder.arguments(of: record) else { return nil }
        var writer = JSONWriter()
        writer.beginArray()
        for (index, argument) in arguments.enumerated() {
            if index > 0 { writer.comma() }
            if writer.bytes.count > configuration.maxArgumentsBytes { break }
            argumentRenderer.writeValue(argument, to: &writer)
        }
        writer.endArray()
        return Self.cut(writer.string, to: configuration.maxArgumentsBytes)
    }

    /// At most `limit` UTF-8 bytes, cut on a character boundary and marked with `…`.
    static func cut(_ text: String, to limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var result = ""
        var used = 0
        for character in text {
            let size = character.utf8.count
            if used + size > limit { break }
            result.append(character)
            used += size
        }
        return result + "…"
    }

    // MARK: Time series bounds

    private mutating func slotAdded(_ slot: Int64) {
        slotCount += 1
        lowestSlot = min(lowestSlot, slot)
        highestSlot = max(highestSlot, slot)
        // Bounded: each doubling halves the span; at the widest interval everything is in one slot per group,
        // and groups are at most `maxGroups + 1`.
        while interval < Self.widestInterval {
            let spanTooWide = highestSlot - lowestSlot + 1 > Int64(max(1, configuration.maxSeriesPoints))
            let tooManySlots = slotCount > max(configuration.seriesBudget, configuration.maxGroups + 1)
            guard spanTooWide || tooManySlots else { break }
            // An adaptive interval widening with the capture's span is the plan, not a limit being hit.
            widenInterval(countingLimit: tooManySlots || !configuration.adaptiveInterval)
        }
    }

    /// The slots' histograms fill up as a long capture puts more calls in each: past the byte budget, wider slots
    /// (fewer of them) hold the same calls. Bounded like `slotAdded`: each doubling halves the slots.
    private mutating func keepSeriesWithinBudget() {
        while interval < Self.widestInterval, seriesBytes > configuration.seriesByteBudget {
            widenInterval(countingLimit: true)
        }
    }

    private mutating func widenInterval(countingLimit: Bool) {
        interval *= 2
        if countingLimit { limitsHit.intervalDoublings += 1 }
        slotCount = 0
        seriesBytes = 0
        for index in groups.indices {
            groups[index].widenSlots()
            slotCount += groups[index].slots.count
            seriesBytes += groups[index].seriesFootprint
        }
        lowestSlot = lowestSlot.roundedDownDivision(by: 2)
        highestSlot = highestSlot.roundedDownDivision(by: 2)
    }

    // MARK: Finishing

    /// The report for everything added so far. The aggregator can go on taking records afterwards.
    public func finish(inputFiles: [String] = [], captureQuality: CaptureQualitySummary = CaptureQualitySummary())
        -> LatencyReport
    {
        let grouping = configuration.grouping
        let seconds: Double? = {
            guard let first = firstTime, let last = lastTime, last > first else { return nil }
            return Double(last.nanosecondsSinceEpoch - first.nanosecondsSinceEpoch) / 1e9
        }()
        let slotRange: ClosedRange<Int64>? = slotCount > 0 ? lowestSlot...highestSlot : nil

        var groupReports: [GroupReport] = []
        var overall: [Int64: SeriesSlot] = [:]
        for (key, group) in zip(groupKeys, groups) {
            var report = GroupReport(label: key.label(for: grouping))
            report.service = key.service
            report.method = key.method
            report.provider = key.provider
            report.consumer = key.consumer
            report.calls = group.calls
            report.callsPerSecond = seconds.map { Double(group.calls) / $0 }
            report.oneway = group.oneway
            report.errors = group.errors
            report.errorsByStatus = Self.sortedCounts(group.errorsByStatus)
            report.exceptions = group.exceptions
            report.exceptionsByClass = Self.sortedCounts(group.exceptionsByClass)
            report.noResponse = group.noResponse
            report.orphanResponses = group.orphanResponses
            report.recordsWithQualityFlags = group.recordsWithQualityFlags
            report.serializationNotRegistered = group.serializationNotRegistered
            report.tripleCalls = group.tripleCalls
            let twoWay = group.calls - group.oneway
            if twoWay > 0 {
                report.failureRate = Double(group.errors + group.exceptions + group.noResponse) / Double(twoWay)
            }
            report.latency = group.latency.summary
            report.server = group.server.summary
            report.transfer = group.transfer.summary
            if group.transferCount > 0 {
                report.requestTransferMean = Double(group.requestTransferSum) / Double(group.transferCount)
                report.responseTransferMean = Double(group.responseTransferSum) / Double(group.transferCount)
            }
            report.latencyBars = group.latency.bars()
            report.latencyDistribution = group.latency
            report.requestBytes = group.requestBytes.summary
            report.responseBytes = group.responseBytes.summary
            report.requestsNearLimit = group.requestsNearLimit
            report.responsesNearLimit = group.responsesNearLimit
            report.requestsTooLarge = group.requestsTooLarge
            report.responsesTooLarge = group.responsesTooLarge
            report.firstTime = group.firstTime
            report.lastTime = group.lastTime
            if let slotRange {
                report.series = slotRange.map { slot in
                    (group.slots[slot] ?? SeriesSlot()).point(start: slotStart(slot))
                }
            }
            report.slowSince = Self.slowSince(report.series)
            report.slowest = group.slowest.calls
            groupReports.append(report)
            for (slot, contents) in group.slots { overall[slot, default: SeriesSlot()].merge(contents) }
        }
        groupReports.sort { a, b in
            if a.latency.total != b.latency.total { return a.latency.total > b.latency.total }
            if a.calls != b.calls { return a.calls > b.calls }
            return a.label < b.label
        }

        var totals = self.totals
        totals.latency = totalLatency.summary
        totals.server = totalServer.summary
        var limits = limitsHit
        limits.clampedValues = Int(clamping: totalLatency.clamped + totalServer.clamped)

        let connectionReports = connections.map(\.report).sorted { a, b in
            if a.calls != b.calls { return a.calls > b.calls }
            return (a.client, a.server) < (b.client, b.server)
        }
        // Edges whose endpoints have the same application names are one edge.
        var named: [ServiceEdge.Key: (calls: Int, failures: Int)] = [:]
        for (key, value) in edges {
            let names = configuration.names
            let edge = ServiceEdge.Key(
                consumer: names?.consumer(at: key.consumer, service: key.service) ?? key.consumer.description,
                provider: names?.provider(at: key.provider, service: key.service) ?? key.provider.description,
                service: key.service)
            named[edge, default: (0, 0)].calls += value.calls
            named[edge, default: (0, 0)].failures += value.failures
        }
        let serviceMap = named.map { key, value in
            ServiceEdge(consumer: key.consumer, provider: key.provider, service: key.service,
                        calls: value.calls, failures: value.failures)
        }.sorted { a, b in
            if a.calls != b.calls { return a.calls > b.calls }
            return (a.consumer, a.provider, a.service ?? "") < (b.consumer, b.provider, b.service ?? "")
        }

        var registryCallers: [String: [String]] = [:]
        if let names = configuration.names {
            for key in edges.keys {
                guard let consumer = names.consumer(at: key.consumer, service: key.service) else { continue }
                registryCallers[key.provider.description, default: []].append(consumer)
            }
        }
        var report = LatencyReport(
            grouping: grouping,
            intervalSeconds: Double(interval) / 1e9,
            requestedIntervalSeconds: Double(configuration.adaptiveInterval ? interval : configuration.intervalNanoseconds) / 1e9,
            firstTime: firstTime, lastTime: lastTime, totals: totals, groups: groupReports,
            series: slotRange.map { range in
                range.map { (overall[$0] ?? SeriesSlot()).point(start: slotStart($0)) }
            } ?? [],
            connections: connectionReports, serviceMap: serviceMap, slowest: slowest.calls,
            includesPayload: configuration.includePayload, inputFiles: inputFiles, captureQuality: captureQuality,
            limitsHit: limits, payloadLimitBytes: configuration.payloadLimitBytes,
            nearLimitBytes: configuration.nearLimitBytes, largeResponseBytes: configuration.largeResponseBytes)
        report.findings = findings.findings(
            connections: connectionReports, payloadLimitBytes: configuration.payloadLimitBytes,
            registryCallers: registryCallers.mapValues { Array(Set($0)).sorted() })
        return report
    }

    private func slotStart(_ slot: Int64) -> CaptureTime {
        CaptureTime(nanosecondsSinceEpoch: slot.multipliedReportingOverflow(by: interval).partialValue)
    }

    private static func sortedCounts(_ counts: [String: Int]) -> [NamedCount] {
        counts.map { NamedCount(name: $0.key, count: $0.value) }.sorted { a, b in
            a.count != b.count ? a.count > b.count : a.name < b.name
        }
    }

    /// The start of the slot from which a group's median latency stayed high: its "usual" level is the lower
    /// quartile of the slot medians; a slot is slow when its median is at least twice that (and 0.5 ms more).
    /// The first slow slot after which at least 80 % of the slots with calls are slow — and before which fewer than
    /// half were — is the answer; nil when the group was slow from its first slot or never.
    static func slowSince(_ series: [SeriesPoint]) -> CaptureTime? {
        let points = series.compactMap { point in point.p50.map { (point.start, $0) } }
        guard points.count >= 4 else { return nil }
        let medians = points.map(\.1).sorted()
        let usual = medians[medians.count / 4]
        let threshold = max(usual * 2, usual + 500)
        let slow = points.map { $0.1 >= threshold }
        var slowAfter = [Int](repeating: 0, count: slow.count + 1)
        for index in stride(from: slow.count - 1, through: 0, by: -1) {
            slowAfter[index] = slowAfter[index + 1] + (slow[index] ? 1 : 0)
        }
        var slowBefore = 0
        for index in 0..<slow.count {
            defer { if slow[index] { slowBefore += 1 } }
            guard index > 0, slow[index] else { continue }
            let remaining = slow.count - index
            if remaining >= 2, Double(slowAfter[index]) >= 0.8 * Double(remaining),
               Double(slowBefore) < 0.5 * Double(index) {
                return points[index].0
            }
        }
        return nil
    }
}

extension SeriesSlot {
    /// Counts one call; returns the bytes its histogram grew by.
    mutating func add(_ record: CallRecord, latency: Int64?, server: Int64?) -> Int {
        var growth = 0
        calls += 1
        switch record.outcome {
        case .error, .cancelled: errors += 1
        case .exception: exceptions += 1
        case .noResponse: noResponse += 1
        case .ok, .oneway, .unknown: break
        }
        if let latency {
            if self.latency == nil { self.latency = SlotHistogram() }
            let before = self.latency?.footprint ?? 0
            self.latency?.record(UInt64(max(0, latency)))
            growth += (self.latency?.footprint ?? 0) - before
        }
        if let server {
            serverSum &+= max(0, server)
            serverCount += 1
        }
        return growth
    }
}
