import AnalysisPipeline
import ArgumentParser

/// How many threads an offline analysis uses besides the record thread.
struct ThreadOptions: ParsableArguments {
    enum DecodeThread: String, ExpressibleByArgument, CaseIterable {
        case auto, on, off
    }

    /// `--threads`: a count (its range checked by `validate`, so the error names it), or auto.
    enum ThreadCount: ExpressibleByArgument, Equatable {
        case auto
        case count(Int)

        init?(argument: String) {
            if argument == "auto" {
                self = .auto
            } else if let count = Int(argument) {
                self = .count(count)
            } else {
                return nil
            }
        }

        var defaultValueDescription: String { "auto" }
    }

    @Option(help: ArgumentHelp(
        "Decode on a thread of its own while another reads and reassembles: auto (on with three cores or more), on, off.",
        discussion: "The output is the same either way; only the time differs."))
    var decodeThread: DecodeThread = .auto

    @Option(help: ArgumentHelp(
        "Decoding threads, each with a share of the connections (1-\(OfflineAnalysis.maxShards), or auto: \(OfflineAnalysis.defaultShards) on this machine).",
        discussion: """
            With two or more, the thread that reads reassembles TCP for all of them and the records are merged back \
            into the order one thread gives: the output is the same as with 1, unless a limit on the whole run's \
            memory (pending requests, buffered frames) is reached — each thread has its share of it.
            """,
        valueName: "n"))
    var threads: ThreadCount = .auto

    func validate() throws {
        if case .count(let count) = threads {
            try OptionRange.check(count, in: 1...OfflineAnalysis.maxShards, option: "--threads", unit: "threads")
        }
    }

    var shards: Int {
        switch threads {
        case .auto: OfflineAnalysis.defaultShards
        case .count(let count): count
        }
    }

    var decodesOnOwnThread: Bool {
        switch decodeThread {
        case .auto: OfflineAnalysis.decodeThreadPaysOff
        case .on: true
        case .off: false
        }
    }
}
