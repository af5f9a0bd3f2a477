import AnalysisPipeline
import ArgumentParser
import Dispatch
import DubboWire
import Glibc
import InspectorCore
import LiveMonitoring
import PacketCapture
import Registry
import LatencyReports
import RecordFormats
import RegistryJoin
import Synchronization
import TCPReassembly
import TelemetryExport

/// `dubbo-inspect live --interface IF`: decode Dubbo traffic as it happens.
struct Live: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Capture on an interface and decode Dubbo calls as they happen: a live view, streamed records, Prometheus metrics.",
        discussion: """
            Runs until Ctrl-C, SIGTERM, --duration or --count, then reports requests still unanswered as \
            no_response and prints a summary. On a terminal without --format, a live view refreshes about once a \
            second; with --format, one record per finished call is written and flushed line by line. Capturing \
            needs CAP_NET_RAW (root, or `setcap cap_net_raw,cap_net_admin=eip` on the binary); --user gives up \
            root once the interface is open. See docs/LIVE.md.
            """
    )

    @Option(name: [.customShort("i"), .long], help: "The interface to capture on (lo, eth0, any).")
    var interface: String

    @Option(help: "A BPF filter, compiled and applied in the kernel; combined with --ports when both are given.")
    var filter: String?

    @Option(help: "Dubbo ports to capture, comma-separated (default filter: these ports, else all TCP).")
    var ports: String?

    @Option(help: "Stop after this many seconds.")
    var duration: Double?

    @Option(help: "Stop after this many packets (as tcpdump -c).")
    var count: Int?

    @Option(help: "Bytes kept per packet.")
    var snaplen = 262_144

    @Option(help: "Kernel capture buffer, in MiB: absorbs bursts while the analysis catches up.")
    var bufferSize = 32

    @Option(help: "In-memory queue between the capture and the analysis, in MiB; a full queue drops and counts.")
    var queueSize = 64

    @Flag(help: """
        Hand each packet over as it arrives instead of in blocks at least every \(LiveConfiguration.blockTimeoutMs) \
        ms: lower latency, but the kernel drops packets at rates blocks absorb (docs/LIVE.md).
        """)
    var immediate = false

    @Option(help: "Also save the raw packets to this pcapng file (re-analyse it with `read`).")
    var write: String?

    @Option(help: "Stream records in this format (jsonl, csv, text, none) instead of the live view.")
    var format: RecordFormatArgument?

    @Option(help: "Serve Prometheus metrics at http://ADDRESS/metrics, e.g. 127.0.0.1:9464.")
    var metricsListen: String?

    @Option(help: "Give up root for this user once the interface is open (as tcpdump -Z).")
    var user: String?

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var payload: PayloadOptions
    @OptionGroup var limits: LimitOptions
    @OptionGroup var otlp: OTLPOptions

    /// Requests unanswered this long are reported as no_response when --timeout is not given.
    static let defaultTimeoutSeconds = 30.0

    func validate() throws {
        if let duration { try OptionRange.checkSeconds(duration, option: "--duration", maximum: 366 * 86_400) }
        if let count { try OptionRange.check(count, in: 1...Int.max, option: "--count", unit: "packets") }
        try OptionRange.check(snaplen, in: LiveCapture.snapLengths, option: "--snaplen", unit: "bytes")
        try OptionRange.check(bufferSize, in: LiveCapture.bufferSizesMiB, option: "--buffer-size", unit: "MiB")
        try OptionRange.check(queueSize, in: 1...4_096, option: "--queue-size", unit: "MiB")
        if let ports { _ = try Self.parsePorts(ports) }
        if let metricsListen, MetricsServer.parseAddress(metricsListen) == nil {
            throw ValidationError("--metrics-listen wants HOST:PORT, e.g. 127.0.0.1:9464")
        }
    }

    /// `20880,20881` → the ports; rejects anything but a comma-separated list of 1...65535.
    static func parsePorts(_ text: String) throws -> [UInt16] {
        let ports = try text.split(separator: ",").map { part -> UInt16 in
            let trimmed = String(part.filter { $0 != " " })
            guard let port = UInt16(trimmed), port > 0 else {
                throw ValidationError("--ports: '\(trimmed)' is not a port number (1-65535)")
            }
            return port
        }
        guard !ports.isEmpty else { throw ValidationError("--ports: give at least one port") }
        return ports
    }

    /// The filter installed in the kernel: the ports' if given, the user's if given (both when both), else all TCP.
    static func captureFilter(filter: String?, ports: [UInt16]?) -> String {
        let portFilter = ports.map { list in "tcp and (" + list.map { "port \($0)" }.joined(separator: " or ") + ")" }
        switch (portFilter, filter) {
        case (let ports?, let user?): return "(\(ports)) and (\(user))"
        case (let ports?, nil): return ports
        case (nil, let user?): return user
        case (nil, nil): return "tcp"
        }
    }

    func run() async throws {
        let errors = OutputFile.standardError()
        errors.flushesEachLine = true
        var configuration = LiveConfiguration(interface: interface)
        configuration.filter = Self.captureFilter(filter: filter, ports: try ports.map(Self.parsePorts))
        configuration.snapLength = snaplen
        configuration.bufferSizeMiB = bufferSize
        configuration.immediate = immediate
        configuration.queueMaxBytes = queueSize << 20
        configuration.duration = duration
        configuration.count = count
        configuration.writePath = write
        configuration.user = user
        limits.apply(to: &configuration.limits)
        configuration.limits.requestTimeoutSeconds = limits.timeout ?? Self.defaultTimeoutSeconds
        configuration.plan = DecodePlan(
            includePayload: !payload.noPayload, showsRecords: true, keepsSlowestCalls: false,
            exportsSpans: otlp.endpoint != nil)
        configuration.renderOptions = payload.renderOptions
        if let format {
            configuration.output = .stream(format.value)
        } else {
            configuration.output = TerminalScreen.isTerminal(1) ? .view : .stream(.text)
        }
        if let metricsListen, let address = MetricsServer.parseAddress(metricsListen) {
            configuration.metricsHost = address.host
            configuration.metricsPort = address.port
        }
        configuration.exporter = try otlp.makeExporter(
            resource: .captureInterface(interface), clock: .wall, includeMessages: !payload.noPayload)
        let code = await LiveRunner(configuration: configuration, errors: errors, registry: registry).run()
        if code != 0 { throw ExitCode(code) }
    }
}

/// Opens everything in order (capture, privileges, files, metrics), runs the session, and reports.
struct LiveRunner {
    let configuration: LiveConfiguration
    let errors: OutputFile
    let registry: RegistryOptions

    func run() async -> Int32 {
        var config = configuration
        // 1. The capture, as root if need be.
        let capture: LiveCapture
        do {
            capture = try LiveCapture(
                interface: config.interface, snapLength: config.snapLength, bufferSizeMiB: config.bufferSizeMiB,
                filter: config.filter, immediate: config.immediate, timeoutMs: LiveConfiguration.blockTimeoutMs)
        } catch {
            errors.write("dubbo-inspect: \(error)\n")
            return 2
        }
        if let warning = capture.activationWarning { errors.write("dubbo-inspect: warning: \(warning)\n") }

        // 2. Root is not needed past this point.
        if let user = config.user {
            do {
                try LivePrivileges.drop(to: user)
            } catch {
                errors.write("dubbo-inspect: \(error)\n")
                return 2
            }
        }

        // 3. Files and the metrics endpoint, as the (possibly unprivileged) user.
        var pcapng: PcapngWriter?
        if let path = config.writePath {
            do {
                pcapng = try PcapngWriter(
                    path: path, linkType: capture.linkType, snapLength: capture.snapLength, interfaceName: config.interface)
            } catch {
                errors.write("dubbo-inspect: \(error)\n")
                return 2
            }
        }
        // The registry, followed for the whole run: records get names as soon as the first read succeeds.
        var watcher: RegistryFollower?
        do {
            (config.registry, watcher) = try openRegistry()
        } catch {
            errors.write("dubbo-inspect: \(error)\n")
            return 2
        }
        defer { watcher?.stop() }

        let metrics = LiveMetrics(limits: config.metricLimits, start: SystemClock.wallCaptureTime)
        var server: MetricsServer?
        if let host = config.metricsHost {
            do {
                server = try MetricsServer(host: host, port: config.metricsPort, metrics: metrics)
            } catch {
                errors.write("dubbo-inspect: \(error)\n")
                return 2
            }
        }
        defer { server?.stop() }

        let privileges = config.user.map { " as user \($0)" } ?? ""
        errors.write(
            "dubbo-inspect: capturing on \(config.interface) (link type \(capture.linkType), snaplen \(capture.snapLength), "
                + "buffer \(config.bufferSizeMiB) MiB, \(config.immediate ? "immediate" : "blocks of \(LiveConfiguration.blockTimeoutMs) ms at most"))"
                + "\(privileges), filter '\(config.filter ?? "")'\n")
        if let server {
            let host = server.host.contains(":") ? "[\(server.host)]" : server.host
            errors.write("dubbo-inspect: metrics at http://\(host):\(server.port)/metrics\n")
        }

        // 4. Run until told to stop.
        let session = LiveSession(configuration: config, capture: capture, metrics: metrics)
        let screen = config.output == .view ? TerminalScreen(descriptor: 1) : nil
        let signals = LiveSignals(session: session, screen: screen)
        let (captureThread, analysisThread, result) = session.start(pcapng: pcapng)
        screen?.enter()
        await waitForStop(session: session, metrics: metrics, screen: screen)

        // 5. Stop the capture, let the analysis drain and flush, restore the terminal, report.
        capture.breakLoop()
        captureThread.join()
        analysisThread.join()
        screen?.restore()
        if let exporter = config.exporter {
            errors.write(exporter.finish(timeout: 10).text)
        }
        signals.cancel()

        var outcome = result.value.withLock { $0 }
        outcome.health = session.health()
        session.publishHealth()
        let report = LiveRunner.summaryText(outcome, configuration: config)
        switch config.output {
        case .view, .stream(.text):
            let output = OutputFile.standardOutput()
            output.write((config.output == .stream(.text) ? "\n" : "") + report)
            output.flush()
        case .stream:
            errors.write(report)
        }
        if let tally = outcome.registryTally { errors.write(tally) }
        if let message = outcome.pcapngError { errors.write("dubbo-inspect: \(message)\n") }
        if outcome.health.totalDropped > 0 {
            errors.write(
                "dubbo-inspect: warning: \(outcome.health.totalDropped) packets were lost before analysis "
                    + "(kernel \(outcome.health.droppedByKernel), interface \(outcome.health.droppedByInterface), "
                    + "queue \(outcome.health.droppedByQueue)); calls may be missing or incomplete. A larger "
                    + "--buffer-size, a narrower --filter or --no-payload helps.\n")
        }
        if let failure = session.shared.captureFailure.withLock({ $0 }) {
            errors.write("dubbo-inspect: \(failure)\n")
            return 1
        }
        return 0
    }

    /// `--registry-snapshot`: a fixed directory. `--registry`: a watcher that follows the registry for the whole run
    /// (its first read is awaited up to five seconds; `--registry-required` makes a failure fatal).
    private func openRegistry() throws -> (RegistryJoin?, RegistryFollower?) {
        let warn = { (line: String) in errors.write("dubbo-inspect: \(line)\n") }
        guard !registry.registry.isEmpty else {
            return (try registry.makeJoin(warn: warn), nil)
        }
        let locations = try registry.locations()
        let follower = RegistryFollower(locations: locations) { line in
            let bytes = Array("dubbo-inspect: registry: \(line)\n".utf8)
            _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
        }
        follower.start()
        for outcome in follower.waitForFirstReads(timeoutMilliseconds: 5_000) {
            switch outcome {
            case .success(let directory):
                warn("registry \(directory.source): \(directory.keys.count) keys, \(directory.summary); following changes")
            case .failure(let error):
                if registry.registryRequired || RegistryOptions.isConfigurationError(error) {
                    follower.stop()
                    throw RegistryFailure(message: error.description)
                }
                warn("\(error); going on, records get registry names once it can be read")
            }
        }
        return (RegistryJoin(watcher: follower), follower)
    }

    /// Polls for the end (signal, duration, count, failure) and redraws the live view about once a second.
    private func waitForStop(session: LiveSession, metrics: LiveMetrics, screen: TerminalScreen?) async {
        let started = SystemClock.monotonicSeconds
        let deadline = configuration.duration.map { started + $0 }
        var dashboard = LiveDashboard(
            title: "dubbo-inspect live · \(configuration.interface) · '\(configuration.filter ?? "")'")
        var nextDraw = started
        // Bounded by --duration when given; otherwise by a signal, --count or a capture failure.
        while !session.shared.stopRequested.load(ordering: .acquiring) {
            let now = SystemClock.monotonicSeconds
            if let deadline, now >= deadline { break }
            session.publishHealth()
            if let screen, now >= nextDraw {
                let (columns, rows) = screen.size()
                let findings = session.shared.findings.withLock {
                    $0.findings(connections: [], payloadLimitBytes: configuration.limits.maxBodyLength)
                }
                dashboard.findingsLine = findings.first.map { first in
                    "[\(first.kind)] \(first.statement)" + (findings.count > 1 ? " (+\(findings.count - 1) more)" : "")
                }
                screen.draw(dashboard.render(metrics.snapshot(now: SystemClock.wallCaptureTime), width: columns, height: rows))
                nextDraw = now + 1
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The closing summary: capture health first, then what `read` reports.
    static func summaryText(_ outcome: LiveAnalysisResult, configuration: LiveConfiguration) -> String {
        let health = outcome.health
        let summary = outcome.summary
        var text = "Live capture on \(configuration.interface): \(summary.capture.packetsRead) packets "
        text += "(\(summary.capture.bytesRead) bytes) captured, \(health.received) received by the filter; "
        text += "dropped by the kernel \(health.droppedByKernel), by the interface \(health.droppedByInterface), "
        text += "by the queue \(health.droppedByQueue); analysed \(health.packetsAnalysed)\n"
        if let written = outcome.pcapngPackets, let path = configuration.writePath {
            text += "  wrote \(written) packets to \(path)\n"
        }
        // The offline summary without its first line (which counts files); the connection counts go here instead.
        let offline = summary.text
        let rest = offline.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        let r = summary.reassembly
        text += "  \(r.connectionsOpened) TCP connections (\(summary.dubboConnections) Dubbo, "
        text += "\(summary.nonDubboConnections) non-Dubbo, \(r.connectionsWithoutHandshake) picked up mid-stream)\n"
        if rest.count > 1 { text += rest[1] }
        return text
    }
}

/// SIGINT, SIGTERM and SIGHUP ask the run to stop cleanly; a second one restores the terminal and exits at once.
/// SIGPIPE is ignored so a reader that goes away (`| head`) does not kill the capture before its summary.
final class LiveSignals {
    private let sources: [any DispatchSourceSignal]

    init(session: LiveSession, screen: TerminalScreen?) {
        signal(SIGPIPE, SIG_IGN)
        let received = SignalCount()
        let shared = session.shared
        let capture = session.capture
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if received.count.add(1, ordering: .relaxed).newValue > 1 {
                    screen?.restore()
                    _exit(128 + number)
                }
                shared.stopRequested.store(true, ordering: .releasing)
                capture.breakLoop()
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    func cancel() {
        for source in sources { source.cancel() }
    }

    private final class SignalCount: Sendable {
        let count = Atomic<Int>(0)
    }
}
