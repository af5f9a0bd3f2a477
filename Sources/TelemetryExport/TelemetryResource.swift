import Glibc

/// What the exported data says about its source: the OTLP resource of every request.
/// `service.name = dubbo-inspect`, `host.name` (this machine's name), and what was captured: the interface of a
/// live capture (`dubbo_inspect.capture.interface`) or the files read (`dubbo_inspect.capture.files`).
package struct TelemetryResource: Sendable, Equatable {
    package var attributes: [(String, AttributeValue)]

    package init(attributes: [(String, AttributeValue)]) {
        self.attributes = attributes
    }

    package static func == (lhs: TelemetryResource, rhs: TelemetryResource) -> Bool {
        lhs.attributes.elementsEqual(rhs.attributes) { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    /// For `dubbo-inspect read FILE...`.
    package static func captureFiles(_ paths: [String], hostName: String = currentHostName()) -> TelemetryResource {
        TelemetryResource(attributes: [
            (OTLPAttribute.serviceName, .string("dubbo-inspect")),
            (OTLPAttribute.hostName, .string(hostName)),
            (OTLPAttribute.captureFiles, .strings(paths)),
        ])
    }

    /// For `dubbo-inspect live -i INTERFACE`.
    package static func captureInterface(_ name: String, hostName: String = currentHostName()) -> TelemetryResource {
        TelemetryResource(attributes: [
            (OTLPAttribute.serviceName, .string("dubbo-inspect")),
            (OTLPAttribute.hostName, .string(hostName)),
            (OTLPAttribute.captureInterface, .string(name)),
        ])
    }

    /// `gethostname(2)`, or `unknown` when it fails.
    package static func currentHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return bytes.isEmpty ? "unknown" : String(decoding: bytes, as: UTF8.self)
    }

    var otlp: Opentelemetry_Proto_Resource_V1_Resource {
        var resource = Opentelemetry_Proto_Resource_V1_Resource()
        resource.attributes = attributes.map { Opentelemetry_Proto_Common_V1_KeyValue($0.0, $0.1) }
        return resource
    }
}
