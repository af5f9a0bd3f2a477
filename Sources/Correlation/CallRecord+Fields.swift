import NetworkLayers
import DubboWire
import Hessian2

/// Field values derived from a record, shared by every output format so they cannot disagree.
extension CallRecord {
    public var serviceName: String? { request?.service }
    public var methodName: String? { request?.method }
    public var group: String? { wireProtocol == .triple ? tripleGroup : request?.attachment("group") }

    /// Every request attachment a record's own fields read (`group`, `timeoutMilliseconds`, `remoteApplication`):
    /// all that reports need of a dubbo request's attachments (`DubboBodyDecoder(requestAttachmentKeys:)`).
    public static let attachmentKeysRead = ["group", "timeout", "remote.application"]

    public var parameterTypeNames: [String]? {
        if wireProtocol == .triple { return tripleArgumentTypes }
        return request?.parameterDescriptor.flatMap(ParameterDescriptor.javaNames)
    }

    /// `value`, `null` or `exception` for a status-20 response with a result flag; nil otherwise.
    public var resultName: String? {
        guard status == .ok, let flag = response?.resultFlag else { return nil }
        switch flag {
        case .value, .valueWithAttachments: return "value"
        case .nullValue, .nullValueWithAttachments: return "null"
        case .exception, .exceptionWithAttachments: return "exception"
        }
    }

    /// Java class of the business exception a response carries, when the exception is an object.
    public var exceptionClassName: String? {
        guard case .object(let object)? = response?.exception else { return nil }
        return object.className
    }

    /// `service.method` for people, or a placeholder saying why it is unknown.
    public var displayName: String {
        switch kind {
        case .heartbeat: return isTriple ? "(ping)" : "(heartbeat)"
        case .event: return "(event)"
        default: break
        }
        guard let service = serviceName, let method = methodName else {
            return kind == .orphanResponse ? "(request not captured)" : "(body not decoded)"
        }
        return "\(service).\(method)"
    }
}
