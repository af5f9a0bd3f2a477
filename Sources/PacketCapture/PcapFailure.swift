/// A libpcap call that failed: its status code and its error text. Internal; callers map it to a
/// `CaptureError` that names the file, filter or interface.
struct PcapFailure: Error {
    var status: Int32
    var message: String
}
