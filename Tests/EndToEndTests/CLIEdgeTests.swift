import AnalysisPipeline
import Correlation
import DubboWire
import Foundation
import PacketCapture
import TCPReassembly
import TestSupport
import Testing

/// What a new user trips over on the command line: runs that read nothing, option values out of range, text
/// tables written to a pipe.
@Suite("command-line edges")
struct CLIEdgeTests {
    @Test("read: when no file can be read, its reason is the whole output — no header, no summary — exit 2",
          arguments: ["text", "csv", "jsonl"])
    func readNothing(format: String) throws {
        let directory = try HostileDirectory()
        let missing = directory.path("nowhere.pcap")
        let outcome = try HostileProcess.run(["read", missing, "--format", format], in: directory)
        #expect(!outcome.signaled)
        #expect(outcome.status == 2)
        #expect(outcome.standardOutput.isEmpty, "\(outcome.standardOutput)")
        #expect(outcome.standardError == "dubbo-inspect: \(missing): no such file\n")
    }

    @Test("report: when no capture can be read, its reason and exit 2, no report of nothing")
    func reportNothing() throws {
        let directory = try HostileDirectory()
        let empty = try directory.write("empty.pcap", [])
        let outcome = try HostileProcess.run(["report", empty], in: directory)
        #expect(outcome.status == 2)
        #expect(outcome.standardOutput.isEmpty, "\(outcome.standardOutput)")
        #expect(outcome.standardError == "dubbo-inspect: \(empty): empty file (0 bytes), not a capture file\n")
    }

    @Test("option values out of range are refused naming the option and its range, before anything is opened",
          arguments: [
            (["live", "-i", "lo", "--buffer-size", "268435456"], "--buffer-size 268435456 is out of range: it must be 1...1024 MiB"),
            (["live", "-i", "lo", "--snaplen", "300000"], "--snaplen 300000 is out of range: it must be 1...262144 bytes"),
            (["live", "-i", "lo", "--queue-size", "0"], "--queue-size 0 is out of range: it must be 1...4096 MiB"),
            (["live", "-i", "lo", "--duration=-1"], "--duration -1.0 is out of range"),
            (["read", "x.pcap", "--max-body=-5"], "--max-body -5 is out of range: it must be 0...2147483647 bytes"),
            (["read", "x.pcap", "--max-flows", "0"], "--max-flows 0 is out of range"),
            (["read", "x.pcap", "--timeout", "nan"], "--timeout nan is out of range"),
            (["read", "x.pcap", "--max-value-bytes", "4"], "--max-value-bytes 4 is out of range: it must be 16...67108864 bytes"),
            (["report", "x.pcap", "--width", "5"], "--width 5 is out of range: it must be 40...1000 columns"),
            (["read", "x.pcap", "--otlp-endpoint", "http://127.0.0.1:4318", "--otlp-queue-size", "0"],
             "--otlp-queue-size 0 is out of range"),
          ])
    func outOfRange(arguments: [String], message: String) throws {
        let directory = try HostileDirectory()
        let outcome = try HostileProcess.run(arguments, in: directory)
        #expect(!outcome.signaled)
        #expect(outcome.status == 64, "\(outcome.standardError)")  // ArgumentParser's usage error
        #expect(outcome.standardError.contains(message), "\(outcome.standardError)")
    }

    @Test("--threads: 2 and 5 decoding threads write the same call logs, summary and reports as 1; 0, 65 and words are refused")
    func threads() throws {
        let directory = try HostileDirectory()
        let captures = [
            try Captures.required(Captures.shared.appendingPathComponent("generated/pyclients-loopback.pcap")),
            try Captures.required(RepositoryPaths.testScripts.appendingPathComponent("captures/grpcio-http2.pcap")),
        ]
        // The shards render the call log (text with its summary, CSV with its header, JSON lines); with a report
        // beside it they also pass the records on.
        let beside = directory.path("beside.json")
        let runs: [[String]] = [
            ["read", "--format", "jsonl"], ["read", "--format", "csv"], ["read", "--format", "text"],
            ["read", "--format", "jsonl", "--report", beside], ["report", "--format", "json"],
        ]
        for capture in captures {
            for arguments in runs {
                let one = try HostileProcess.run(arguments + [capture, "--threads", "1"], in: directory)
                let besideOne = arguments.contains("--report") ? try String(contentsOfFile: beside, encoding: .utf8) : ""
                #expect(one.status == 0, "\(one.standardError)")
                // CSV lines end in CRLF, one Character: split on any newline.
                #expect(one.standardOutput.split(whereSeparator: \.isNewline).count >= (arguments[0] == "read" ? 5 : 1))
                for threads in ["2", "5"] {
                    let sharded = try HostileProcess.run(arguments + [capture, "--threads", threads], in: directory)
                    #expect(sharded.status == 0, "\(sharded.standardError)")
                    #expect(sharded.standardOutput == one.standardOutput, "\(arguments) \(capture) --threads \(threads)")
                    #expect(sharded.standardError == one.standardError, "\(arguments) \(capture) --threads \(threads)")
                    if arguments.contains("--report") {
                        let report = try String(contentsOfFile: beside, encoding: .utf8)
                        #expect(report.contains("\"groups\"") && report == besideOne, "report beside, --threads \(threads)")
                    }
                }
            }
        }
        for refused in ["0", "65"] {
            let outcome = try HostileProcess.run(["read", captures[0], "--threads", refused], in: directory)
            #expect(outcome.status == 64, "\(outcome.standardError)")
            #expect(outcome.standardError.contains("--threads \(refused) is out of range: it must be 1...64 threads"),
                    "\(outcome.standardError)")
        }
        // Not a number: ArgumentParser's own refusal (its parse error path leaks 48 bytes, which the address
        // sanitizer reports with status 1 instead of the usage error's 64).
        let word = try HostileProcess.run(["read", captures[0], "--threads", "many"], in: directory)
        #expect(HostileProcess.underSanitizer ? word.status != 0 : word.status == 64, "\(word.standardError)")
        #expect(word.standardError.contains("The value 'many' is invalid for '--threads <n>'"), "\(word.standardError)")
        #expect(word.standardOutput.isEmpty)
    }

    @Test("report text to a pipe is not cut to a terminal width; --width still cuts")
    func pipedTablesAreWhole() throws {
        let directory = try HostileDirectory()
        let capture = try Captures.required(Captures.fixtures.appendingPathComponent("basic.pcap"))
        let piped = try HostileProcess.run(["report", capture], in: directory)
        #expect(piped.status == 0, "\(piped.standardError)")
        #expect(piped.standardOutput.contains("org.apache.dubbo.demo.DemoService"))
        // The title line shows the time range with "…"; no table cell may be cut.
        let cut = piped.standardOutput.split(separator: "\n").dropFirst().filter { $0.contains("…") }
        #expect(cut.isEmpty, "cells cut in piped output: \(cut)")
        let narrow = try HostileProcess.run(["report", capture, "--width", "60"], in: directory)
        #expect(narrow.status == 0)
        #expect(narrow.standardOutput.split(separator: "\n").dropFirst().contains { $0.contains("…") })
    }
}

/// Where the pipeline chooses a connection's protocol, on a capture of a real HTTP/2 stack (grpcio).
@Suite("protocol choice on real traffic")
struct ProtocolChoiceTests {
    @Test("a grpcio HTTP/2 connection is recognised by its preface and decoded as Triple, not counted as non-Dubbo")
    func grpcioConnectionIsTriple() throws {
        let capture = try Captures.required(RepositoryPaths.testScripts.appendingPathComponent("captures/grpcio-http2.pcap"))
        var records: [CallRecord] = []
        let (summary, problems) = OfflineAnalysis().run(paths: [capture]) { records.append($0) }
        #expect(problems.unreadableFiles.isEmpty && problems.readErrors.isEmpty)
        #expect(summary.reassembly.connectionsOpened == 1)
        #expect(summary.dubboConnections == 0)
        #expect(summary.nonDubboConnections == 0)
        #expect(summary.streams.frames == 0 && summary.streams.skippedBytes == 0)
        // grpcio-http2.py made three unary calls to /org.apache.dubbo.Demo/sayHello, each answered with grpc-status 0
        // (tshark -Y http2.type==1 shows the three request HEADERS on streams 1, 3 and 5); grpcio also sent two
        // PINGs, each acknowledged (tshark -Y http2.type==6: four frames), which are timed as heartbeats.
        let calls = records.filter { $0.kind == .call }
        #expect(calls.map(\.requestID) == [1, 3, 5])
        #expect(records.filter { $0.kind == .heartbeat }.count == 2)
        #expect(records.count == 5)
        for record in calls {
            #expect(record.wireProtocol == .triple)
            #expect(record.serviceName == "org.apache.dubbo.Demo" && record.methodName == "sayHello")
            #expect(record.statusNumber == 0 && record.outcome == .ok)
            #expect(record.requestMessageCount == 1 && record.responseMessageCount == 1)
        }
    }
}
