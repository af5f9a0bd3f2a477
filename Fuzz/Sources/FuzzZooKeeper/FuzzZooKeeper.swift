import FuzzSupport
import NetworkLayers
import Registry

/// The ZooKeeper registry's parsers: instance JSON (`ServiceInstance`, Curator x-discovery data from
/// `/services/<app>/<ip:port>`), provider/consumer znode names (`ZooKeeperLayout.url(fromNodeName:)` then the
/// URL parser, as a category is read), mapping data, `zookeeper://` addresses (`RegistryLocation`), and snapshots
/// carrying instances.
///
/// Input: byte 0 picks the parser (mod 5); the rest is the znode data, name, address or snapshot text.
///
/// Invariants besides "no trap": an instance has a name and at least one port, every port is non-zero; a parsed
/// ZooKeeper address prints as text that parses back to the same address; mapping names are non-empty and unique.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzZooKeeper(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzInput(data, size)
    let mode = input.byte() % 5
    let rest = input.rest()
    switch mode {
    case 0:
        if let instance = try? ServiceInstance(path: "/services/app/10.0.0.1:1", data: rest, observedAtMilliseconds: 0) {
            invariant(!instance.application.isEmpty, "an instance without an application")
            invariant(!instance.ports.isEmpty, "an instance without a port")
            invariant(!instance.ports.contains(0), "port 0 in an instance")
            var directory = ServiceDirectory(root: "/dubbo/", source: "fuzz")
            directory = directory.replacingApplicationLevel(instances: [instance], mappings: [:], problems: [])
            if let address = instance.address, let port = instance.ports.first {
                invariant(!directory.instances(at: Endpoint(address: address, port: port)).isEmpty, "instance not indexed")
            }
        }
    case 1:
        let name = String(decoding: rest, as: UTF8.self)
        let url = ZooKeeperLayout.url(fromNodeName: name)
        let contents = RegistryKeyContents(
            key: "/dubbo/com.example.Fuzz/providers", root: "/dubbo/", fields: [url: RegistryEntry.presenceMarker],
            observedAtMilliseconds: 0)
        invariant(contents.entries.count + contents.problems.count == 1, "a node name is an entry or a problem")
        invariant(contents.entries.allSatisfy { $0.expiresAtMilliseconds == nil }, "a znode entry with an expiry")
    case 2:
        let names = ZooKeeperLayout.applications(fromMapping: rest)
        invariant(names.allSatisfy { !$0.isEmpty }, "an empty application in a mapping")
        invariant(Set(names).count == names.count, "a repeated application in a mapping")
    case 3:
        let text = String(decoding: rest, as: UTF8.self)
        if case .zookeeper(let address)? = try? RegistryLocation(parsing: text) {
            invariant(!address.servers.isEmpty, "a ZooKeeper address without servers")
            let again = try? ZooKeeperAddress(parsing: address.description)
            // The description %-escapes group and rootPath, so it can outgrow the length an address may have: such an
            // address is refused cleanly when read back; every other one reads back the same.
            if address.description.utf8.count > RegistryAddress.maxTextLength {
                invariant(again == nil, "a description over the length limit was read back")
            } else {
                invariant(again == address, "\(address.description) does not parse back to the same address")
            }
        }
    default:
        if let directory = try? RegistrySnapshot.parse(rest, path: "fuzz.json") {
            _ = RegistrySnapshot.json(directory, nowMilliseconds: 0)
            _ = directory.textListing(nowMilliseconds: 0)
        }
    }
    return 0
}
