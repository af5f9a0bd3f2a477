internal import CZlib

/// gzip / zlib ("deflate" in gRPC) decompression with a hard output bound, for `grpc-encoding` messages.
enum Inflater {
    enum Failure: Error, Equatable {
        case tooLarge(limit: Int)
        case corrupt(String)
    }

    /// Inflates `input` (gzip or zlib framing, told apart by zlib itself); stops with `.tooLarge` as soon as the
    /// output would pass `limit`, so a zip bomb costs at most `limit` bytes.
    static func inflate(_ input: UnsafeBufferPointer<UInt8>, limit: Int) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        // 15 window bits + 32: accept both the zlib and the gzip header.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt("inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        let chunk = 16 << 10
        var scratch = [UInt8](repeating: 0, count: chunk)
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
        stream.avail_in = UInt32(input.count)
        while true {
            let (status, produced) = scratch.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(chunk)
                let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                return (status, chunk - Int(stream.avail_out))
            }
            guard output.count + produced <= limit else { throw .tooLarge(limit: limit) }
            output.append(contentsOf: scratch[0..<produced])
            switch status {
            case Z_STREAM_END: return output
            case Z_OK: continue
            case Z_BUF_ERROR where stream.avail_in == 0: throw .corrupt("compressed message ends early")
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                throw .corrupt(message)
            }
        }
    }
}
