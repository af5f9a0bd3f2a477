import Foundation
import Glibc

/// Runs the built `dubbo-inspect` executable the way a user does, and measures it: exit status, what it wrote,
/// its peak resident memory and its wall time.
///
/// Peak memory comes from GNU time (`/usr/bin/time -f %M`), which forks and waits for the tool itself. The
/// child's own rusage cannot be used: `posix_spawn` starts it with `vfork`, so until `exec` it shares the test
/// process's memory and its `ru_maxrss` starts at the test process's high-water mark.
enum HostileProcess {
    struct Outcome {
        var status: Int32
        var standardOutput: String
        var standardError: String
        /// Peak resident set size of the tool, in KiB; `nil` unless `measureMemory` was asked for.
        var peakResidentKiB: Int?
        /// User plus system CPU seconds of the tool (less sensitive to a busy machine than wall time); `nil`
        /// unless `measureMemory` was asked for.
        var cpuSeconds: Double?
        var seconds: Double
        /// True when the child was killed by a signal (a crash), with its number in `status`.
        var signaled: Bool
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Whether this build runs under a sanitizer (the tool is built the same way as the tests): address and thread
    /// sanitizers reserve and keep far more memory, so memory bounds are not checked then.
    static let underSanitizer: Bool = {
        // The sanitizer runtimes are linked into the executable and export their entry points.
        let everywhere = UnsafeMutableRawPointer(bitPattern: 0)  // RTLD_DEFAULT
        return dlsym(everywhere, "__asan_init") != nil || dlsym(everywhere, "__tsan_init") != nil
    }()

    /// `dubbo-inspect` next to the running test bundle (`swift build --build-tests` builds both in one folder).
    static func executable() throws -> String {
        guard let path = BuiltTool.dubboInspect else { throw Failure(description: BuiltTool.missing) }
        return path
    }

    /// Runs `[executable] + arguments`, optionally wrapped by `prefix` (e.g. `setpriv` to drop privileges),
    /// with stdout and stderr going to files in `directory` (no pipe can fill up and block the child).
    static func run(
        _ arguments: [String], prefix: [String] = [], measureMemory: Bool = false, in directory: HostileDirectory
    ) throws -> Outcome {
        let rssPath = directory.path("rss-\(UUID().uuidString)")
        var wrapper = prefix
        if measureMemory {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else {
                throw Failure(description: "measuring memory needs GNU time at /usr/bin/time (apt-get install time)")
            }
            wrapper = ["/usr/bin/time", "-f", "%M %U %S", "-o", rssPath] + prefix
        }
        let argv = wrapper + [try executable()] + arguments
        let outPath = directory.path("stdout-\(UUID().uuidString)")
        let errPath = directory.path("stderr-\(UUID().uuidString)")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var pid: pid_t = 0
        let start = DispatchTime.now()
        let spawned = posix_spawnp(&pid, argv[0], &actions, nil, &cArguments, environ)
        guard spawned == 0 else {
            throw Failure(description: "cannot start \(argv[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        var waited: pid_t = -1
        repeat {
            waited = waitpid(pid, &status, 0)
        } while waited == -1 && errno == EINTR
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        guard waited == pid else { throw Failure(description: "wait4 failed: \(String(cString: strerror(errno)))") }

        // WIFEXITED / WEXITSTATUS / WTERMSIG, spelled out (the C macros are not imported).
        let signal = status & 0x7F
        let exited = signal == 0
        // GNU time writes "Command exited with non-zero status N" first when the tool fails; ours is the last line.
        let measured = measureMemory
            ? (try? String(contentsOfFile: rssPath, encoding: .utf8))?.split(separator: "\n").last?
                .split(separator: " ").map(String.init) ?? []
            : []
        let peak = measured.count == 3 ? Int(measured[0]) : nil
        let cpu = measured.count == 3 ? (Double(measured[1]) ?? 0) + (Double(measured[2]) ?? 0) : nil
        return Outcome(
            status: exited ? (status >> 8) & 0xFF : signal,
            standardOutput: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
            peakResidentKiB: peak,
            cpuSeconds: cpu,
            seconds: seconds,
            signaled: !exited)
    }
}

/// A fresh directory under the system temporary folder, removed when the value goes away.
final class HostileDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("dubbo-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        // Files made unreadable by a test must not stop the cleanup.
        chmod(url.path, 0o755)
        try? FileManager.default.removeItem(at: url)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let target = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }
}
