#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One scratch file per fuzzing process, rewritten for every input (in /dev/shm when there is one, so inputs
/// never touch a disk). Removed when the value goes away.
public final class TemporaryFile {
    public let path: String
    private let descriptor: Int32

    public init(suffix: String) {
        let directory = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        var template = Array("\(directory)/dubbo-fuzz-XXXXXX\(suffix)".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, Int32(suffix.utf8.count)) }
        guard fd >= 0 else { fatalError("cannot create a scratch file in \(directory)") }
        descriptor = fd
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        close(descriptor)
        unlink(path)
    }

    /// Replaces the file's content with `bytes`.
    public func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard ftruncate(descriptor, 0) == 0 else { fatalError("cannot truncate \(path)") }
        var written = 0
        while written < bytes.count {
            let result = pwrite(descriptor, bytes.baseAddress! + written, bytes.count - written, off_t(written))
            guard result > 0 else { fatalError("cannot write \(path)") }
            written += result
        }
    }
}
