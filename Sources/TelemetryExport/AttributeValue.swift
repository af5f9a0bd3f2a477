/// A resource or span attribute value, before protobuf encoding.
package enum AttributeValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case strings([String])
}

extension Opentelemetry_Proto_Common_V1_KeyValue {
    init(_ key: String, _ value: AttributeValue) {
        self.init()
        self.key = key
        var any = Opentelemetry_Proto_Common_V1_AnyValue()
        switch value {
        case .string(let text): any.stringValue = text
        case .int(let number): any.intValue = number
        case .strings(let texts):
            var array = Opentelemetry_Proto_Common_V1_ArrayValue()
            array.values = texts.map { text in
                var item = Opentelemetry_Proto_Common_V1_AnyValue()
                item.stringValue = text
                return item
            }
            any.arrayValue = array
        }
        self.value = any
    }
}
