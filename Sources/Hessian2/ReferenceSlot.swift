/// One entry of the value-reference table (PROTOCOL §5.4): every list, map and object takes the next slot when it
/// starts, before its children are read.
enum ReferenceSlot: Sendable {
    /// Still being decoded: a reference to it is a cycle and yields `.reference(index)`.
    case open
    /// Completed by `decodeValue`; `valueCount` is the number of values in its subtree (itself included), added
    /// to the body's count on every copy so reference bombs hit `maxValuesPerBody`.
    case complete(HessianValue, valueCount: Int)
    /// Completed by `skipValue`: no tree was built, so a reference to it yields `.reference(index)`.
    case skipped(valueCount: Int)
}
