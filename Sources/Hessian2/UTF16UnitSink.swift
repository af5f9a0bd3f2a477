/// Receives the UTF-16 units of a Hessian string as `ModifiedUTF8.transcode` decodes them.
protocol UTF16UnitSink {
    /// A run of ASCII bytes, each one unit.
    mutating func appendASCII(_ bytes: UnsafeBufferPointer<UInt8>)
    /// One UTF-16 unit, possibly half of a surrogate pair.
    mutating func append(unit: UInt16)
}
