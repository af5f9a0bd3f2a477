/// How much of the payload a rendered record shows.
public struct RecordRenderOptions: Sendable, Equatable {
    /// Arguments, attachments and returned values are shown; `false` (`--no-payload`) writes them as null.
    public var includePayload: Bool
    /// A value whose JSON is longer than this is replaced by a `$truncated` marker with a preview.
    public var maxValueBytes: Int

    public init(includePayload: Bool = true, maxValueBytes: Int = 64 << 10) {
        self.includePayload = includePayload
        self.maxValueBytes = maxValueBytes
    }
}
