import Glibc

/// Opens a capture file for libpcap, turning every way that can fail into a precise `CaptureError`.
///
/// The checks run before libpcap sees the file because libpcap's own messages for these cases are
/// vague ("truncated dump file; tried to read 4 file header bytes, only got 0" for an empty file,
/// a read error for a directory).
enum CaptureFileOpener {
    /// `stat`s `path`, opens it with `fopen`, and hands the `FILE` to libpcap.
    ///
    /// Throws `.fileNotFound`, `.permissionDenied`, `.isDirectory`, `.emptyFile`, `.notAFile`,
    /// `.cannotOpen`, or `.notACaptureFile` with libpcap's text.
    static func open(path: String) throws(CaptureError) -> PcapHandle {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw error(forErrno: errno, path: path)
        }
        switch status.st_mode & S_IFMT {
        case S_IFDIR:
            throw .isDirectory(path: path)
        case S_IFREG:
            guard status.st_size > 0 else { throw .emptyFile(path: path) }
        case S_IFIFO:
            break  // A pipe (`<(tcpdump -w -)`): its size is unknown until read.
        default:
            throw .notAFile(path: path)
        }
        guard let file = fopen(path, "rb") else {
            throw error(forErrno: errno, path: path)
        }
        // libpcap reads a record at a time: through the default buffer (the file system's 4 KiB block) a 300 MB
        // capture costs 70 000 `read` calls; through this one, 300.
        let fileBuffer = malloc(readBufferSize)
        if let fileBuffer, setvbuf(file, fileBuffer.assumingMemoryBound(to: CChar.self), _IOFBF, readBufferSize) != 0 {
            free(fileBuffer)
            return try open(file, path: path, fileBuffer: nil)
        }
        return try open(file, path: path, fileBuffer: fileBuffer)
    }

    /// The stdio buffer a capture file is read through.
    static let readBufferSize = 1 << 20

    private static func open(_ file: UnsafeMutablePointer<FILE>, path: String, fileBuffer: UnsafeMutableRawPointer?)
        throws(CaptureError) -> PcapHandle
    {
        do {
            return try PcapHandle.openOffline(file: file, fileBuffer: fileBuffer)
        } catch {
            fclose(file)  // libpcap leaves the FILE open when it rejects it.
            fileBuffer.map { free($0) }  // only once the file no longer uses it
            throw .notACaptureFile(path: path, message: error.message)
        }
    }

    /// Maps an `errno` from `stat`/`fopen` to the matching error.
    static func error(forErrno code: Int32, path: String) -> CaptureError {
        switch code {
        case ENOENT, ENOTDIR:
            return .fileNotFound(path: path)
        case EACCES, EPERM:
            return .permissionDenied(path: path)
        case EISDIR:
            return .isDirectory(path: path)
        default:
            return .cannotOpen(path: path, message: String(cString: strerror(code)))
        }
    }
}
