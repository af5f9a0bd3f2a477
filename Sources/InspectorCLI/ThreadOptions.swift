import AnalysisPipeline
import ArgumentParser

/// How many threads an offline analysis uses besides the record thread.
struct ThreadOptions: ParsableArguments {
    enum DecodeThread: String, ExpressibleByArgument, CaseIterable {
        case auto, on, off
    }

    @Option(help: ArgumentHelp(
        "Decode on a thread of its own while another reads and reassembles: auto (on with three cores or more), on, off.",
        discussion: "The output is the same either way; only the time differs."))
    var decodeThread: DecodeThread = .auto

    var decodesOnOwnThread: Bool {
        switch decodeThread {
        case .auto: OfflineAnalysis.decodeThreadPaysOff
        case .on: true
        case .off: false
        }
    }
}
