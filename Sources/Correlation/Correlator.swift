import DubboWire
public import InspectorCore
import NetworkLayers

/// Joins requests with responses by (connection, request direction, full 64-bit id) — requests can flow both
/// ways on one connection and the two ends count ids independently (PROTOCOL.md §1.3).
///
/// A state machine without I/O: frames, connection ends and the passing of capture time go in; finished
/// `CallRecord`s come out through the `emit` closure, in the order they complete.
public struct Correlator: Sendable {
    /// Takes each finished record by move: a copy would retain (and later release) every string it holds.
    public typealias Emit = (consuming CallRecord) -> Void

    struct PendingKey: Hashable, Sendable {
        var connection: UInt64
        var client: Endpoint
        var requestID: Int64

        /// The connection and id nearly always tell keys apart; the client only separates the two directions of
        /// one connection, which equality still checks. Hashing the address too cost a tenth of each lookup.
        func hash(into hasher: inout Hasher) {
            hasher.combine(connection)
            hasher.combine(requestID)
        }
    }

    struct Pending: Sendable {
        var record: CallRecord
        var sequence: UInt64

        /// The record, moved out of the entry.
        consuming func takeRecord() -> CallRecord { record }
    }

    public let limits: Limits
    public private(set) var stats = CorrelationStats()
    private var pending: [PendingKey: Pending] = [:]
    /// Pending keys in request order; entries already answered are skipped lazily.
    private var order: [(key: PendingKey, sequence: UInt64)] = []
    private var orderHead = 0
    private var nextSequence: UInt64 = 0
    /// Pending requests per connection, so closing a connection with none costs nothing.
    private var pendingPerConnection: [UInt64: Int] = [:]
    /// The latest capture time the correlator has been told of (`advanceClock`, frames, `expire`, `finish`): how far
    /// the capture is known to have run when a request is given up on.
    private var latestTime: CaptureTime?

    public init(limits: Limits = .default) {
        self.limits = limits
    }

    public var pendingCount: Int { pending.count }
    /// The most requests pending at once since `markPeak()` (at least the count then): a shard's share of the run's
    /// peak during one event (`ShardOutput`).
    public private(set) var peakSinceMark = 0

    public mutating func markPeak() {
        peakSinceMark = pending.count
    }

    // MARK: Events

    /// Consuming: the decoded body moves into the record instead of being copied (a copy retains every string).
    public mutating func frame(_ event: consuming FrameEvent, _ emit: Emit) {
        noteTime(event.info.lastByteTime)
        if event.info.header.isRequest {
            request(event, emit)
        } else {
            response(event, emit)
        }
    }

    /// The connection is gone: nothing still pending on it can be answered.
    public mutating func connectionClosed(_ connection: UInt64, _ emit: Emit) {
        guard pendingPerConnection.removeValue(forKey: connection) != nil else { return }
        let keys = pending.keys.filter { $0.connection == connection }
        let closed = keys.compactMap { key in pending.removeValue(forKey: key) }.sorted { $0.sequence < $1.sequence }
        for entry in closed {
            emitUnanswered(entry.takeRecord(), emit)
        }
    }

    /// Capture time has reached `now`: requests older than the timeout are reported as unanswered, in request order.
    /// Every such request, not only those before the first still in time: a request can wait behind a later one
    /// that started earlier (its frame took longer to arrive), and which requests time out must not depend on how
    /// connections are spread over shards.
    public mutating func expire(now: CaptureTime, _ emit: Emit) {
        noteTime(now)
        guard let timeout = limits.requestTimeoutSeconds, !pending.isEmpty else { return }
        let deadline = now.adding(seconds: -timeout)
        var index = orderHead
        var headCanMove = true
        while index < order.count {
            let (key, sequence) = order[index]
            index += 1
            guard let entry = pending[key], entry.sequence == sequence else {
                if headCanMove { orderHead = index }
                continue
            }
            guard let start = entry.record.startTime, start < deadline else {
                headCanMove = false
                continue
            }
            if headCanMove { orderHead = index }
            stats.timedOut += 1
            if let removed = removePending(key) { emitUnanswered(removed.takeRecord(), emit) }
        }
        compactOrder()
    }

    /// How far the capture has run (the latest packet time, whichever connection it belonged to): a request given
    /// up on from now is known to have waited at least until then. Told for every packet, so the answer does not
    /// depend on which connections this correlator sees.
    public mutating func advanceClock(to time: CaptureTime) {
        noteTime(time)
    }

    /// Requests seen from now on are numbered from at least `sequence` in request order. A shard of a sharded run
    /// numbers its requests by the run's event order, so the shards' orders merge into the single-threaded one.
    public mutating func advanceSequence(to sequence: UInt64) {
        if sequence > nextSequence { nextSequence = sequence }
    }

    /// End of input: every request still waiting is reported, in request order. `time` is the capture's last
    /// packet time, when known (it can be later than the last frame).
    public mutating func finish(at time: CaptureTime? = nil, _ emit: Emit) {
        if let time { noteTime(time) }
        let remaining = pending.values.sorted { $0.sequence < $1.sequence }
        pending.removeAll()
        pendingPerConnection.removeAll()
        order.removeAll()
        orderHead = 0
        for entry in remaining {
            emitUnanswered(entry.takeRecord(), emit)
        }
    }

    // MARK: Requests

    private mutating func request(_ event: consuming FrameEvent, _ emit: Emit) {
        stats.requests += 1
        let header = event.info.header
        guard header.isTwoWay else {
            var record = CallRecord(request: &event, sequence: nil)
            record.outcome = .oneway
            switch record.kind {
            case .heartbeat: stats.heartbeats += 1
            case .event: stats.events += 1
            default:
                record.kind = .oneway
                stats.oneway += 1
            }
            emit(record)
            return
        }
        let key = PendingKey(connection: event.connection, client: event.source, requestID: header.requestID)
        let sequence = nextSequence
        nextSequence += 1
        // The entry is built in the call that stores it, so the table takes it by move (a record copied retains
        // every string it holds); one lookup both stores it and finds a request it replaces (the same id still
        // pending: reported now).
        if let earlier = pending.updateValue(
            Pending(record: CallRecord(request: &event, sequence: sequence), sequence: sequence), forKey: key) {
            stats.duplicateRequestIDs += 1
            emitUnanswered(earlier.takeRecord(), emit)
        } else {
            pendingPerConnection[event.connection, default: 0] += 1
        }
        // The new request is not in `order` yet, so the oldest other one goes.
        if pending.count > limits.maxPendingRequests {
            evictOldest(emit)
        }
        order.append((key, sequence))
        stats.peakPending = max(stats.peakPending, pending.count)
        peakSinceMark = max(peakSinceMark, pending.count)
        if order.count - orderHead > 2 * pending.count + 1024 {
            // Answered requests leave stale entries behind; drop them so memory follows what is pending.
            order = order[orderHead...].filter { pending[$0.key]?.sequence == $0.sequence }
            orderHead = 0
        }
    }

    // MARK: Responses

    private mutating func response(_ event: consuming FrameEvent, _ emit: Emit) {
        stats.responses += 1
        let header = event.info.header
        let key = PendingKey(connection: event.connection, client: event.destination, requestID: header.requestID)
        let quality = Self.quality(of: event.info, body: event.body, isRequest: false)
        let responseBody: DubboResponseBody?
        var deferredBytes: [UInt8]?
        switch event.takeBody() {
        case .response(let decoded): responseBody = decoded
        case .deferred(let bytes): (responseBody, deferredBytes) = (nil, bytes)
        default: responseBody = nil
        }
        guard let index = pending.index(forKey: key) else {
            stats.orphanResponses += 1
            var orphan = CallRecord(
                kind: .orphanResponse, client: event.destination, server: event.source,
                requestID: header.requestID, serialization: header.serialization,
                responseFrame: event.info, response: responseBody, outcome: .ok, quality: quality)
            orphan.deferredResponseBody = deferredBytes
            orphan.outcome = Self.outcome(of: orphan)
            emit(orphan)
            return
        }
        // Completed in its table slot and moved out of it: a record bound to a local is copied.
        let kind = pending.values[index].record.complete(
            responseFrame: event.info, response: responseBody, deferredBytes: deferredBytes, quality: quality)
        switch kind {
        case .heartbeat: stats.heartbeats += 1
        case .event: stats.events += 1
        default: stats.calls += 1
        }
        emit(removePending(at: index).takeRecord())
    }

    // MARK: Helpers

    /// How an exchange ended, from the response's status and result flag.
    public static func outcome(of record: CallRecord) -> CallOutcome {
        guard let status = record.status else { return .noResponse }
        guard status == .ok else { return .error }
        if let flag = record.response?.resultFlag, flag == .exception || flag == .exceptionWithAttachments {
            return .exception
        }
        return .ok
    }

    static func quality(of info: DubboFrameInfo, body: DubboBody, isRequest: Bool) -> CallQuality {
        var quality: CallQuality = []
        switch info.bodyState {
        case .complete: break
        case .gap: quality.insert(isRequest ? .requestGap : .responseGap)
        case .tooLarge: quality.insert(isRequest ? .requestTooLarge : .responseTooLarge)
        case .truncated: quality.insert(.truncated)
        case .evicted: quality.insert(.evicted)
        }
        if info.foundByResync { quality.insert(.midstream) }
        // A deferred body is judged when it is decoded (`CallRecord.decodeDeferredBodies`).
        if body.isUndecoded { quality.insert(isRequest ? .requestUndecoded : .responseUndecoded) }
        if body.isPartial { quality.insert(.partialBody) }
        return quality
    }

    private mutating func emitUnanswered(_ record: consuming CallRecord, _ emit: Emit) {
        var record = record
        record.outcome = .noResponse
        record.unansweredUntil = latestTime
        if record.kind == .heartbeat { stats.heartbeats += 1 } else { stats.noResponse += 1 }
        emit(record)
    }

    private mutating func noteTime(_ time: CaptureTime) {
        if latestTime.map({ time > $0 }) ?? true { latestTime = time }
    }

    private mutating func evictOldest(_ emit: Emit) {
        while orderHead < order.count {
            let (key, sequence) = order[orderHead]
            orderHead += 1
            if pending[key]?.sequence == sequence, let entry = removePending(key) {
                stats.evictedPending += 1
                var record = entry.takeRecord()
                record.quality.insert(.evicted)
                emitUnanswered(record, emit)
                break
            }
        }
        compactOrder()
    }

    @discardableResult
    private mutating func removePending(_ key: PendingKey) -> Pending? {
        guard let index = pending.index(forKey: key) else { return nil }
        return removePending(at: index)
    }

    private mutating func removePending(at index: Dictionary<PendingKey, Pending>.Index) -> Pending {
        let (key, entry) = pending.remove(at: index)
        // One lookup for the read and the write.
        if let count = pendingPerConnection.index(forKey: key.connection) {
            if pendingPerConnection.values[count] > 1 {
                pendingPerConnection.values[count] -= 1
            } else {
                pendingPerConnection.remove(at: count)
            }
        }
        return entry
    }

    private mutating func compactOrder() {
        if orderHead > 1024, orderHead * 2 > order.count {
            order.removeFirst(orderHead)
            orderHead = 0
        }
    }
}

extension CallRecord {
    /// The record a request starts, its body moved out of `event`; `sequence` is its place in request order (nil
    /// for a one-way request, which is never pending).
    fileprivate init(request event: inout FrameEvent, sequence: UInt64?) {
        let header = event.info.header
        self.init(
            kind: .call, client: event.source, server: event.destination, requestID: header.requestID,
            serialization: header.serialization, requestFrame: event.info, outcome: .noResponse,
            quality: Correlator.quality(of: event.info, body: event.body, isRequest: true))
        if let sequence { requestOrder = sequence }
        switch event.takeBody() {
        case .request(let body):
            request = body
        case .heartbeat:
            kind = .heartbeat
        case .event(let data):
            kind = .event
            eventData = data
        case .undecoded, .missing:
            // A body we could not read: an event's kind is still known from the header.
            if header.isEvent { kind = .event }
        case .deferred(let bytes):
            deferredRequestBody = bytes
        case .response:
            break
        }
    }

    /// Fills in a pending request's response; returns the record's kind (read here: reading it through the table
    /// would copy the entry).
    fileprivate mutating func complete(
        responseFrame: DubboFrameInfo, response: DubboResponseBody?, deferredBytes: [UInt8]?, quality: CallQuality
    ) -> CallKind {
        self.responseFrame = responseFrame
        self.response = response
        deferredResponseBody = deferredBytes
        self.quality.formUnion(quality)
        outcome = Correlator.outcome(of: self)
        return kind
    }
}
