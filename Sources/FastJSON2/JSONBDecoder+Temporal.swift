import Hessian2
import InspectorCore

// MARK: Dates and times (`0xA7`–`0xAE`)

extension JSONBDecoder {
    /// `java.util.Date` forms become `.date` (UTC milliseconds, rendered like Hessian's); `java.time` forms become
    /// `.dateText` with their ISO 8601 text: local ones without a zone, an `Instant` with its nanoseconds, a
    /// `ZonedDateTime` with its zone id in brackets (the offset would need the time-zone database).
    mutating func readTemporal(_ bytes: Span<UInt8>) throws(JSONBError) -> HessianValue {
        let start = offset
        let type = bytes[start]
        offset += 1
        switch type {
        case 0xA7:
            return .dateText(try readTimeOfDay(bytes, at: start))
        case 0xA8:
            let date = try readDate(bytes, at: start)
            return .dateText(date + "T" + (try readTimeOfDay(bytes, at: start)))
        case 0xA9:
            return .dateText(try readDate(bytes, at: start))
        case 0xAA:
            let date = try readDate(bytes, at: start)
            let time = try readTimeOfDay(bytes, at: start)
            let zone = try readString(bytes)
            let isOffset = zone == "Z" || zone.hasPrefix("+") || zone.hasPrefix("-")
            return .dateText(date + "T" + time + (isOffset ? zone : "[\(zone)]"))
        case 0xAB:
            return .date(millisecondsSinceEpoch: Int64(bitPattern: try readFixed(bytes, as: UInt64.self)))
        case 0xAC:
            return .date(millisecondsSinceEpoch: Int64(Int32(bitPattern: try readFixed(bytes, as: UInt32.self))) * 1_000)
        case 0xAD:
            return .date(millisecondsSinceEpoch: Int64(Int32(bitPattern: try readFixed(bytes, as: UInt32.self))) * 60_000)
        default:  // 0xAE: Instant, epoch seconds then nanoseconds
            let seconds = try readInt64(bytes)
            let nanos = try readInt32(bytes)
            guard (0..<1_000_000_000).contains(nanos) else { throw .invalidDate(at: start) }
            let (days, secondOfDay) = Self.floorDivide(seconds, 86_400)
            var text = CivilDate(daysSinceEpoch: days).text + "T"
            Self.appendClock(hour: Int(secondOfDay / 3_600), minute: Int(secondOfDay / 60 % 60),
                             second: Int(secondOfDay % 60), nanos: Int(nanos), to: &text)
            return .dateText(text + "Z")
        }
    }

    /// Two-byte signed year, month, day (`2024-05-06`; years beyond four digits or negative keep their sign).
    private mutating func readDate(_ bytes: Span<UInt8>, at start: Int) throws(JSONBError) -> String {
        let year = Int(Int16(bitPattern: try readFixed(bytes, as: UInt16.self)))
        let month = Int(try readFixed(bytes, as: UInt8.self))
        let day = Int(try readFixed(bytes, as: UInt8.self))
        guard (1...12).contains(month), (1...31).contains(day) else { throw .invalidDate(at: start) }
        var text = year < 0 ? "-" : ""
        CivilDate.append(UInt64(year.magnitude), width: 4, to: &text)
        text.append("-")
        CivilDate.append(UInt64(month), width: 2, to: &text)
        text.append("-")
        CivilDate.append(UInt64(day), width: 2, to: &text)
        return text
    }

    /// Hour, minute, second bytes and an int of nanoseconds (`10:11:12`, `10:11:12.5` → `10:11:12.500`).
    private mutating func readTimeOfDay(_ bytes: Span<UInt8>, at start: Int) throws(JSONBError) -> String {
        let hour = Int(try readFixed(bytes, as: UInt8.self))
        let minute = Int(try readFixed(bytes, as: UInt8.self))
        let second = Int(try readFixed(bytes, as: UInt8.self))
        let nanos = Int(try readInt32(bytes))
        guard hour < 24, minute < 60, second < 60, (0..<1_000_000_000).contains(nanos) else {
            throw .invalidDate(at: start)
        }
        var text = ""
        Self.appendClock(hour: hour, minute: minute, second: second, nanos: nanos, to: &text)
        return text
    }

    /// `HH:MM:SS` and, when not zero, the fraction in milli-, micro- or nanoseconds as Java prints it.
    static func appendClock(hour: Int, minute: Int, second: Int, nanos: Int, to text: inout String) {
        CivilDate.append(UInt64(hour), width: 2, to: &text)
        text.append(":")
        CivilDate.append(UInt64(minute), width: 2, to: &text)
        text.append(":")
        CivilDate.append(UInt64(second), width: 2, to: &text)
        guard nanos != 0 else { return }
        text.append(".")
        if nanos % 1_000_000 == 0 {
            CivilDate.append(UInt64(nanos / 1_000_000), width: 3, to: &text)
        } else if nanos % 1_000 == 0 {
            CivilDate.append(UInt64(nanos / 1_000), width: 6, to: &text)
        } else {
            CivilDate.append(UInt64(nanos), width: 9, to: &text)
        }
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        var quotient = value / divisor
        var remainder = value % divisor
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }
}
