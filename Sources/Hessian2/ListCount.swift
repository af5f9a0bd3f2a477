/// Where a list's element count comes from (PROTOCOL §5.1).
enum ListCount {
    /// `0x55`/`0x57`: elements until `'Z'`.
    case untilEnd
    /// `'V'`/`0x58`: an int after the type (if any).
    case followsType
    /// `0x70–0x7F`: the count is in the tag.
    case inTag(Int)
}
