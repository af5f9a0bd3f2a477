/// Splits one RFC 4180 record (ending in CRLF) into its fields, or `nil` when it is not well-formed:
/// quotes only around whole fields, doubled inside, and no bare CR or LF outside quotes.
public enum CSVCheck {
    public static func fields(_ line: String) -> [String]? {
        let scalars = Array(line.unicodeScalars)
        guard scalars.count >= 2, scalars[scalars.count - 2] == "\r", scalars[scalars.count - 1] == "\n" else {
            return nil
        }
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var index = 0
        let end = scalars.count - 2
        var quoted = false
        var fieldStart = true
        while index < end {
            let scalar = scalars[index]
            if quoted {
                if scalar == "\"" {
                    if index + 1 < end, scalars[index + 1] == "\"" {
                        field.append("\"")
                        index += 2
                        continue
                    }
                    quoted = false
                    index += 1
                    // After a closing quote only a separator or the end may follow.
                    guard index == end || scalars[index] == "," else { return nil }
                    continue
                }
                field.append(scalar)
            } else if scalar == "," {
                fields.append(String(field))
                field = String.UnicodeScalarView()
                fieldStart = true
                index += 1
                continue
            } else if scalar == "\"" {
                guard fieldStart else { return nil }
                quoted = true
            } else if scalar == "\r" || scalar == "\n" {
                return nil
            } else {
                field.append(scalar)
            }
            fieldStart = false
            index += 1
        }
        guard !quoted else { return nil }
        fields.append(String(field))
        return fields
    }
}
