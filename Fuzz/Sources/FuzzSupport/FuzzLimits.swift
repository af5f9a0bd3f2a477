public import InspectorCore

extension Limits {
    /// Limits small enough that random inputs reach every limit check, picked by the low bit of `selector`;
    /// otherwise the defaults.
    public static func fuzzing(_ selector: UInt8) -> Limits {
        var limits = Limits.default
        guard selector & 1 == 1 else { return limits }
        limits.maxBodyLength = 4_096
        limits.maxHessianDepth = 8
        limits.maxCollectionCount = 16
        limits.maxStringLength = 64
        limits.maxClassDefinitions = 4
        limits.maxValuesPerBody = 256
        limits.maxBufferedBytesPerFlow = 2_048
        limits.maxBufferedBytesTotal = 4_096
        limits.maxBufferedSegmentsPerFlow = 8
        limits.maxFlows = 3
        limits.flowIdleTimeoutSeconds = 5
        limits.maxPendingRequests = 8
        limits.requestTimeoutSeconds = 3
        return limits
    }
}
