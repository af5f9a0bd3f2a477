package org.apache.dubbo.metadata;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * The serialized shape of Dubbo 3's org.apache.dubbo.metadata.MetadataInfo (dubbo-metadata-api): the non-transient
 * fields app, revision and services (service key to ServiceInfo), in declaration order. Only for the tests, which
 * encode it with Caucho's Hessian2Output as a provider's MetadataService answers getMetadataInfo.
 */
public class MetadataInfo implements Serializable {
    private String app;
    private String revision;
    private Map<String, ServiceInfo> services = new TreeMap<>();

    public MetadataInfo(String app, String revision) {
        this.app = app;
        this.revision = revision;
    }

    public void add(ServiceInfo service) {
        services.put(service.matchKey(), service);
    }

    /** Dubbo's MetadataInfo.ServiceInfo: name, group, version, protocol, port, path, params. */
    public static class ServiceInfo implements Serializable {
        private String name;
        private String group;
        private String version;
        private String protocol;
        private int port;
        private String path;
        private Map<String, String> params = new TreeMap<>();

        public ServiceInfo(String name, String group, String version, String protocol, int port) {
            this.name = name;
            this.group = group;
            this.version = version;
            this.protocol = protocol;
            this.port = port;
            this.path = name;
            params.put("side", "provider");
            params.put("interface", name);
        }

        String matchKey() {
            return (group == null ? "" : group + "/") + name + (version == null ? "" : ":" + version) + ":" + protocol;
        }
    }
}
