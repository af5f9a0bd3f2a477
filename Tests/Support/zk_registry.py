#!/usr/bin/env python3
"""Writes Dubbo registrations into a ZooKeeper server with kazoo, exactly as Dubbo's registries write them
(PROTOCOL.md §6.6), for the ZooKeeper registry tests.

  zk_registry.py HOSTS hold SPEC.json   register, print "ready", keep the session until stdin closes or says
                                        "close", then close it (ephemeral nodes vanish) and print "closed"
  zk_registry.py HOSTS stats            every znode with its Stat, one JSON line each (the read-only check)

SPEC: {"providers": [url, ...], "consumers": [url, ...], "persistent": [url, ...],
       "instances": [{"application", "address", "port", "endpoints": [[protocol, port], ...], "revision"}],
       "mappings": {"interface": "app1,app2"}, "raw": [[path, data, ephemeral], ...], "group": "dubbo"}

Interface level (ZookeeperRegistry.doRegister): <root>/<interface>/<category>/URL.encode(url.toFullString()),
ephemeral while dynamic=true, parents persistent. Application level (ZookeeperServiceDiscovery over Curator
x-discovery): <rootPath>/<application>/<ip:port> holding Curator's JSON ServiceInstance with a ZookeeperInstance
payload, ephemeral. Mapping (ZookeeperMetadataReport): /<group>/mapping/<interface>, persistent,
comma-separated applications.
"""
import json
import sys
import time
import urllib.parse

from kazoo.client import KazooClient


def java_url_encode(text):
    # java.net.URLEncoder.encode(text, "UTF-8"): letters, digits and .-*_ kept, space as '+', the rest %XX.
    return urllib.parse.quote_plus(text, safe="*").replace("~", "%7E")


def interface_of(url):
    query = urllib.parse.urlsplit(url).query
    params = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
    return params.get("interface") or urllib.parse.urlsplit(url).path.lstrip("/")


def curator_instance(spec):
    address, port, app = spec["address"], spec["port"], spec["application"]
    instance_id = f"{address}:{port}"
    metadata = {
        "dubbo.endpoints": json.dumps([{"port": p, "protocol": name} for name, p in spec.get("endpoints", [])],
                                      separators=(",", ":")),
        "dubbo.metadata.revision": spec.get("revision", "0"),
        "dubbo.metadata.storage-type": "local",
    }
    return {
        "name": app, "id": instance_id, "address": address, "port": port, "sslPort": None,
        "payload": {"@class": "org.apache.dubbo.registry.zookeeper.ZookeeperInstance", "id": instance_id,
                    "name": app, "metadata": metadata},
        "registrationTimeUTC": int(time.time() * 1000), "serviceType": "DYNAMIC", "uriSpec": None,
    }, f"/services/{app}/{instance_id}"


def hold(zk, spec):
    root = "/" + spec.get("group", "dubbo")
    for category, key, ephemeral in (("providers", "providers", True), ("consumers", "consumers", True),
                                     ("providers", "persistent", False)):
        for url in spec.get(key, []):
            parent = f"{root}/{interface_of(url)}/{category}"
            zk.ensure_path(parent)
            zk.create(f"{parent}/{java_url_encode(url)}", b"", ephemeral=ephemeral)
    for item in spec.get("instances", []):
        body, path = curator_instance(item)
        zk.ensure_path(path.rsplit("/", 1)[0])
        zk.create(path, json.dumps(body).encode(), ephemeral=True)
    for interface, apps in spec.get("mappings", {}).items():
        path = f"{root}/mapping/{interface}"
        if zk.exists(path):
            zk.set(path, apps.encode())
        else:
            zk.create(path, apps.encode(), makepath=True)
    for path, data, ephemeral in spec.get("raw", []):
        zk.ensure_path(path.rsplit("/", 1)[0])
        zk.create(path, data.encode("utf-8", "surrogateescape"), ephemeral=ephemeral)
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "close":
            break
    zk.stop()
    zk.close()
    print("closed", flush=True)


def stats(zk):
    def walk(path):
        data, stat = zk.get(path)
        print(json.dumps({"path": path, "czxid": stat.czxid, "mzxid": stat.mzxid, "pzxid": stat.pzxid,
                          "version": stat.version, "cversion": stat.cversion, "data": len(data or b"")}))
        for child in sorted(zk.get_children(path)):
            walk(path.rstrip("/") + "/" + child)
    walk("/")


def main():
    hosts, command = sys.argv[1], sys.argv[2]
    zk = KazooClient(hosts=hosts, timeout=10)
    zk.start(timeout=10)
    if command == "hold":
        with open(sys.argv[3]) as handle:
            hold(zk, json.load(handle))
    elif command == "stats":
        stats(zk)
        zk.stop()
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
