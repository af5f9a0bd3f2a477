/// A sink that keeps nothing: used by `skipValue`, where a string is validated but never built.
struct DiscardingUnitSink: UTF16UnitSink {
    @inline(__always) mutating func appendASCII(_ bytes: UnsafeBufferPointer<UInt8>) {}
    @inline(__always) mutating func append(unit: UInt16) {}
}
