import Testing

@testable import Registry

@Suite("RegistrySnapshot")
struct RegistrySnapshotTests {
    @Test("a saved directory reads back equal, except for redacted secrets")
    func roundTrip() throws {
        let original = ServiceDirectory(
            root: "/dubbo/", source: "redis://127.0.0.1:6379",
            hashes: [
                "/dubbo/a.B/providers": [
                    "dubbo://10.0.0.2:20880/a.B?application=p&methods=x,y": "1700000060000",
                    "dubbo://[2001:db8::2]:20880/a.B?application=p6": "1700000060000",
                ],
                "/dubbo/a.B/consumers": ["consumer://10.0.0.1/a.B?application=c": "1700000061000"],
                "/dubbo/a.B/configurators": ["override://0.0.0.0/a.B?dynamic=false&weight=1": "0"],
                "/dubbo/bad/providers": ["not a url": "1"],
            ],
            observedAtMilliseconds: 1_700_000_000_123
        )
        let bytes = RegistrySnapshot.json(original, nowMilliseconds: 1_700_000_000_500)
        let loaded = try RegistrySnapshot.parse(bytes, path: "snap.json")
        #expect(loaded == original)
        #expect(loaded.source == "snap.json")
        #expect(loaded.problems.count == 1)
    }

    @Test("tokens and passwords are redacted before anything is written")
    func redactedOnDisk() {
        let directory = ServiceDirectory(
            root: "/dubbo/", source: "s",
            hashes: ["/dubbo/a.B/providers": ["dubbo://u:pw@10.0.0.2:1/a.B?token=tok-1": "1", "x?password=pw2": "1"]],
            observedAtMilliseconds: 1
        )
        let text = String(decoding: RegistrySnapshot.json(directory, nowMilliseconds: 2), as: UTF8.self)
        #expect(!text.contains("tok-1") && !text.contains(":pw@") && !text.contains("pw2"))
        #expect(text.contains("dubbo://u:***@10.0.0.2:1/a.B?token=***"))
    }

    @Test(
        "a file that is not a snapshot is refused with a reason",
        arguments: [
            ("", "not JSON"),
            ("{\"format\":\"x\"}", "not a registry snapshot"),
            ("{\"format\":\"dubbo-inspect-registry-snapshot\",\"version\":2}", "unsupported snapshot version"),
            (
                "{\"format\":\"dubbo-inspect-registry-snapshot\",\"version\":1,\"root\":\"dubbo\",\"keys\":[]}",
                "\"root\""
            ),
            (
                "{\"format\":\"dubbo-inspect-registry-snapshot\",\"version\":1,\"root\":\"/d/\",\"keys\":[{}]}",
                "keys[0]"
            ),
            ("[" + String(repeating: "[", count: 100), "nested deeper"),
            ("{\"a\":1} x", "text after"),
        ]
    )
    func rejects(text: String, reason: String) {
        #expect {
            try RegistrySnapshot.parse(Array(text.utf8), path: "f.json")
        } throws: { error in
            guard case .snapshot(let path, let message) = error as? RegistryError else { return false }
            return path == "f.json" && message.contains(reason)
        }
    }

    @Test("a missing file names the file")
    func missingFile() {
        #expect(throws: RegistryError.snapshot(path: "/nonexistent/s.json", reason: "No such file or directory")) {
            try RegistrySnapshot.load(path: "/nonexistent/s.json")
        }
    }

    @Test("the JSON reader handles escapes, surrogate pairs and numbers")
    func jsonReader() throws {
        let value = try SnapshotJSON.parse(
            Array(#"{"a":"x\"\\\/\n\u00e9\ud83d\ude00","b":[1,-2.5e3,true,false,null]}"#.utf8))
        #expect(value["a"] == .string("x\"\\/\né😀"))
        #expect(value["b"] == .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null]))
    }
}
