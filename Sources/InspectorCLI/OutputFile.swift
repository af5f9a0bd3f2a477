#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Buffered byte output to standard output, standard error or a file, without Foundation.
final class OutputFile {
    private let handle: UnsafeMutablePointer<FILE>
    private let ownsHandle: Bool
    private var pending: [UInt8] = []
    /// Flush after every line: for pipes that a person or `jq` reads as it happens.
    var flushesEachLine = false

    /// A stream of our own over descriptor 1 (the C `stdout` global is not concurrency-safe to touch).
    static func standardOutput() -> OutputFile { descriptor(1) }
    static func standardError() -> OutputFile { descriptor(2) }

    private static func descriptor(_ fd: Int32) -> OutputFile {
        // A closed descriptor: write nowhere rather than crash.
        guard let handle = fdopen(fd, "w") ?? fopen("/dev/null", "w") else { fatalError("cannot open /dev/null") }
        return OutputFile(handle: handle, owns: false)
    }

    /// Opens `path` for writing (truncating), or returns `nil` with the reason.
    static func create(path: String) -> Result<OutputFile, OutputError> {
        guard let handle = fopen(path, "w") else {
            return .failure(OutputError(message: "cannot write \(path): \(String(cString: strerror(errno)))"))
        }
        return .success(OutputFile(handle: handle, owns: true))
    }

    private init(handle: UnsafeMutablePointer<FILE>, owns: Bool) {
        self.handle = handle
        self.ownsHandle = owns
        pending.reserveCapacity(1 << 16)
    }

    deinit {
        flush()
        if ownsHandle { fclose(handle) }
    }

    func write(_ bytes: [UInt8]) {
        pending.append(contentsOf: bytes)
        if flushesEachLine || pending.count >= 1 << 16 { flush() }
    }

    /// Writes `bytes` through at once (after anything pending), for callers that buffer on their own.
    func writeThrough(_ bytes: [UInt8]) {
        flushPending()
        put(bytes)
        fflush(handle)
    }

    func write(_ text: String) {
        write(Array(text.utf8))
    }

    func flush() {
        guard !pending.isEmpty else { return }
        flushPending()
        fflush(handle)
    }

    private func flushPending() {
        guard !pending.isEmpty else { return }
        put(pending)
        pending.removeAll(keepingCapacity: true)
    }

    private func put(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            _ = fwrite(raw.baseAddress, 1, raw.count, handle)
        }
    }
}

struct OutputError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
