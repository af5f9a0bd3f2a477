import Foundation
import Glibc

/// A real ZooKeeper server (Debian's `zookeeper` package, `ZooKeeperServerMain`) on a free loopback port, started
/// for one test and stopped after it; registrations are written with PyPI `kazoo` by Tests/Support/zk_registry.py
/// exactly as Dubbo's registries write them. A machine without Java, the ZooKeeper jars or kazoo fails the test
/// with a message saying how to install them: these tests never pass by skipping.
final class TestZooKeeper: @unchecked Sendable {
    // @unchecked: the process handle is only touched by the test that owns this server.
    let port: Int
    private let process: Process
    private let directory: URL

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let jars = ["/usr/share/java/zookeeper.jar", "/usr/share/java/zookeeper-jute.jar"]

    init(port: Int? = nil) throws {
        for jar in Self.jars where !FileManager.default.fileExists(atPath: jar) {
            throw Failure(description: "\(jar) is missing: `apt-get install zookeeper` (scripts/test.sh installs it)")
        }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/java") else {
            throw Failure(description: "java is missing: `apt-get install zookeeper` brings a JRE")
        }
        self.port = try port ?? TestZooKeeper.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("test-zk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Loopback only; no admin server, no four-letter words; short ticks so sessions expire quickly.
        let config = """
            tickTime=500
            dataDir=\(directory.path)/data
            clientPort=\(self.port)
            clientPortAddress=127.0.0.1
            admin.enableServer=false
            4lw.commands.whitelist=
            minSessionTimeout=1000
            maxSessionTimeout=20000
            """
        let configPath = directory.appendingPathComponent("zoo.cfg")
        try config.write(to: configPath, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/java")
        process.arguments = [
            "-Xmx128m", "-cp", Self.jars.joined(separator: ":"), "org.apache.zookeeper.server.ZooKeeperServerMain",
            configPath.path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Bounded: 30 s for the JVM to start and accept a kazoo session.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if (try? stats(timeoutSeconds: 3)) != nil { return }
            usleep(200_000)
        }
        stop()
        throw Failure(description: "ZooKeeper did not answer on 127.0.0.1:\(self.port) within 30 s")
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    var hosts: String { "127.0.0.1:\(port)" }
    var address: String { "zookeeper://127.0.0.1:\(port)" }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Every znode with its Stat (zxids and versions), one line each: any create, set or delete changes it.
    func stats(timeoutSeconds: Int = 20) throws -> [String] {
        let output = try Self.python(hosts: hosts, command: "stats", timeoutSeconds: timeoutSeconds)
        return output.split(separator: "\n").map(String.init)
    }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/zk_registry.py").path
    }

    static func python(hosts: String, command: String, timeoutSeconds: Int) throws -> String {
        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        client.arguments = ["timeout", String(timeoutSeconds), "python3", script, hosts, command]
        let output = Pipe()
        client.standardOutput = output
        client.standardError = FileHandle.nullDevice
        try client.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        client.waitUntilExit()
        guard client.terminationStatus == 0 else {
            throw Failure(description: "zk_registry.py \(command) failed (is kazoo installed? pip install kazoo)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw Failure(description: "bind() failed") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A kazoo session holding registrations (ephemeral ones live as long as it does). `close()` ends the session,
/// which is what a provider shutting down does.
final class ZooKeeperRegistration: @unchecked Sendable {
    private let process: Process
    private let input: Pipe
    private let output: Pipe
    private let specPath: URL

    init(_ server: TestZooKeeper, spec: [String: Any]) throws {
        specPath = FileManager.default.temporaryDirectory.appendingPathComponent("zk-spec-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: spec).write(to: specPath)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["timeout", "300", "python3", TestZooKeeper.script, server.hosts, "hold", specPath.path]
        input = Pipe()
        output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = Self.readLine(output.fileHandleForReading)
        guard line == "ready" else {
            kill(process.processIdentifier, SIGKILL)
            throw TestZooKeeper.Failure(description: "kazoo did not register (got '\(line)'; pip install kazoo)")
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: specPath)
    }

    /// Closes the session; returns once kazoo says so.
    func close() {
        input.fileHandleForWriting.write(Data("close\n".utf8))
        _ = Self.readLine(output.fileHandleForReading)
        process.waitUntilExit()
    }

    private static func readLine(_ handle: FileHandle) -> String {
        var bytes: [UInt8] = []
        while bytes.count < 1_000 {
            let chunk = handle.readData(ofLength: 1)
            guard let byte = chunk.first else { break }
            if byte == UInt8(ascii: "\n") { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
