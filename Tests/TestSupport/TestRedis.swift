package import Foundation
import Glibc

/// A real `redis-server` on a free loopback port, started for one test and stopped after it. Filled with
/// `redis-cli`, exactly as Dubbo's `RedisRegistry` writes: `HSET key url expiry` then `PUBLISH key register`.
///
/// A machine without `redis-server` fails the test with a message saying how to install it: the registry tests
/// must never pass by skipping.
package final class TestRedis: @unchecked Sendable {
    // @unchecked: the process handle is only touched by the test that owns this server.
    package let port: Int
    package let password: String?
    private let process: Process
    private let directory: URL

    package struct Failure: Error, CustomStringConvertible {
        package var description: String
        package init(description: String) { self.description = description }
    }

    package static func executable(_ name: String) throws -> String {
        for folder in ["/usr/bin", "/usr/local/bin", "/usr/sbin"] {
            let path = folder + "/" + name
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw Failure(
            description: "\(name) is not installed: `apt-get install redis-server` (scripts/test.sh installs it)"
        )
    }

    /// Starts a server; `port` reuses a port (to restart a stopped server in place).
    package init(password: String? = nil, port: Int? = nil) throws {
        self.password = password
        self.port = try port ?? LoopbackPort.unused()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("test-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.executable("redis-server"))
        var arguments = [
            "--port", String(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--loglevel", "warning", "--dir", directory.path, "--protected-mode", "no",
        ]
        if let password { arguments += ["--requirepass", password] }
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Bounded: 5 s for the server to answer PING.
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if (try? cli("PING")) == "PONG" { return }
            usleep(20_000)
        }
        stop()
        throw Failure(description: "redis-server did not answer on 127.0.0.1:\(self.port) within 5 s")
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    package var pid: pid_t { process.processIdentifier }

    /// `redis://127.0.0.1:PORT` (with the password when there is one).
    package var address: String {
        password.map { "redis://:\($0)@127.0.0.1:\(port)" } ?? "redis://127.0.0.1:\(port)"
    }

    package var node: String { "127.0.0.1:\(port)" }

    package func stop() {
        guard process.isRunning else { return }
        // SIGKILL, not terminate(): a child spawned from a test thread inherits its blocked SIGTERM.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGSTOP: the port still accepts connections but nothing answers (a hung server).
    package func freeze() { kill(process.processIdentifier, SIGSTOP) }
    package func thaw() { kill(process.processIdentifier, SIGCONT) }

    /// Runs one `redis-cli` command and returns its output, trimmed.
    @discardableResult
    package func cli(_ arguments: String...) throws -> String {
        try cli(arguments)
    }

    @discardableResult
    package func cli(_ arguments: [String], database: Int = 0) throws -> String {
        let client = Process()
        client.executableURL = URL(fileURLWithPath: try Self.executable("redis-cli"))
        var prefix = ["-h", "127.0.0.1", "-p", String(port), "-n", String(database)]
        if let password { prefix += ["-a", password, "--no-auth-warning"] }
        client.arguments = prefix + arguments
        let output = Pipe()
        client.standardOutput = output
        client.standardError = FileHandle.nullDevice
        try client.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        client.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// What Dubbo's `doRegister` does: `HSET key url expiry`, then `PUBLISH key register`.
    package func register(_ key: String, _ url: String, expiry: Int64, database: Int = 0) throws {
        try cli(["HSET", key, url, String(expiry)], database: database)
        try cli(["PUBLISH", key, "register"], database: database)
    }

    /// What Dubbo's `doUnregister` does: `HDEL key url`, then `PUBLISH key unregister`.
    package func unregister(_ key: String, _ url: String) throws {
        try cli("HDEL", key, url)
        try cli("PUBLISH", key, "unregister")
    }
}

/// Expiry values as Dubbo writes them: now + 60 s, or a fixed past time.
package enum Expiry {
    package static var fresh: Int64 { Int64(Date().timeIntervalSince1970 * 1000) + 60_000 }
    package static let past: Int64 = 1_600_000_060_000
}
