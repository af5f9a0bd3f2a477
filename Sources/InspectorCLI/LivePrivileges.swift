import Glibc
import Synchronization

/// Giving up root once the capture is open (`--user`), as `tcpdump -Z` does.
///
/// Credentials are per thread on Linux; glibc changes every thread it knows. The async `main` of this executable
/// parks the process's first thread inside libdispatch (`dispatch_main` → `pthread_exit`, then `sigsuspend`),
/// where glibc no longer counts it, so a plain drop would leave that thread root. When that thread is parked,
/// the drop is therefore made *from* it (a signal runs the glibc calls there, and glibc carries them to every
/// other thread); otherwise from the calling thread. Either way, every thread is checked afterwards in
/// /proc/self/task: user and group ids (real, effective, saved, file system), no supplementary group but the
/// user's, no capability left, and `setuid(0)` failing. Any mismatch stops the run.
enum LivePrivileges {
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static func drop(to user: String) throws(Failure) {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>? = nil
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = getpwnam_r(user, &entry, &buffer, buffer.count, &found)
        guard status == 0, found != nil else {
            throw Failure(message: "--user \(user): no such user")
        }
        let uid = entry.pw_uid
        let gid = entry.pw_gid
        guard geteuid() == 0 else {
            if getuid() == uid && geteuid() == uid { return }
            throw Failure(message: "--user \(user): changing user needs root (running as uid \(geteuid()))")
        }
        var groups = [gid_t](repeating: 0, count: 256)
        var groupCount = Int32(groups.count)
        guard getgrouplist(user, gid, &groups, &groupCount) >= 0 else {
            throw Failure(message: "--user \(user): belongs to more than \(groups.count) groups")
        }
        groups = Array(groups.prefix(Int(groupCount)))

        if leaderIsParked() {
            try dropFromLeader(uid: uid, gid: gid, groups: groups, user: user)
        } else {
            guard groups.withUnsafeBufferPointer({ setgroups($0.count, $0.baseAddress) }) == 0 else {
                throw Failure(message: "--user \(user): setgroups: \(lastError)")
            }
            // As root, setgid and setuid set the real, effective and saved ids together.
            guard setgid(gid) == 0 else { throw Failure(message: "--user \(user): setgid: \(lastError)") }
            guard setuid(uid) == 0 else { throw Failure(message: "--user \(user): setuid: \(lastError)") }
        }
        try verify(uid: uid, gid: gid, groups: groups, user: user)
    }

    // MARK: The parked first thread

    /// What the signal handler on the first thread applies; written before the signal is sent.
    private enum Pending {
        nonisolated(unsafe) static var uid: uid_t = 0
        nonisolated(unsafe) static var gid: gid_t = 0
        nonisolated(unsafe) static var groups: [gid_t] = []
        /// 0 waiting, 1 done, -1 a call failed.
        static let outcome = Atomic<Int>(0)
    }

    /// Whether the process's first thread is not this one and sleeps in `sigsuspend` (libdispatch's parking).
    static func leaderIsParked() -> Bool {
        let pid = getpid()
        guard let me = readLink("/proc/thread-self"), !me.hasSuffix("/task/\(pid)") else { return false }
        return read("/proc/self/task/\(pid)/wchan").contains("sigsuspend")
    }

    private static func dropFromLeader(uid: uid_t, gid: gid_t, groups: [gid_t], user: String) throws(Failure) {
        Pending.uid = uid
        Pending.gid = gid
        Pending.groups = groups
        Pending.outcome.store(0, ordering: .releasing)
        // The handler runs on the parked thread, which holds no lock: the glibc calls are safe there.
        let previous = signal(SIGUSR2) { _ in
            let ok = Pending.groups.withUnsafeBufferPointer { setgroups($0.count, $0.baseAddress) } == 0
                && setgid(Pending.gid) == 0 && setuid(Pending.uid) == 0
            Pending.outcome.store(ok ? 1 : -1, ordering: .releasing)
        }
        defer { signal(SIGUSR2, previous) }
        // Linux hands a process-directed signal to the first thread when it is waiting for one.
        guard kill(getpid(), SIGUSR2) == 0 else { throw Failure(message: "--user \(user): kill: \(lastError)") }
        // Bounded: two seconds at most.
        for _ in 0..<2_000 where Pending.outcome.load(ordering: .acquiring) == 0 {
            var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
            nanosleep(&pause, nil)
        }
        switch Pending.outcome.load(ordering: .acquiring) {
        case 1: return
        case -1: throw Failure(message: "--user \(user): changing the ids failed")
        default: throw Failure(message: "--user \(user): the first thread did not change its ids")
        }
    }

    // MARK: Checking

    private static func verify(uid: uid_t, gid: gid_t, groups: [gid_t], user: String) throws(Failure) {
        let tasks = listDirectory("/proc/self/task")
        guard !tasks.isEmpty else { throw Failure(message: "--user \(user): cannot read /proc/self/task") }
        for task in tasks {
            let status = read("/proc/self/task/\(task)/status")
            let uids = field(status, "Uid:").compactMap { UInt32($0) }
            let gids = field(status, "Gid:").compactMap { UInt32($0) }
            let supplementary = Set(field(status, "Groups:").compactMap { UInt32($0) })
            let effective = field(status, "CapEff:").first ?? "?"
            let permitted = field(status, "CapPrm:").first ?? "?"
            guard uids == [uid, uid, uid, uid], gids == [gid, gid, gid, gid], supplementary.isSubset(of: Set(groups)),
                effective.allSatisfy({ $0 == "0" }), permitted.allSatisfy({ $0 == "0" })
            else {
                throw Failure(
                    message: "--user \(user): thread \(task) kept privileges (uid \(uids), gid \(gids), "
                        + "CapEff \(effective)); stopping")
            }
        }
        if uid != 0 {
            // The drop must be for good: getting root back has to fail.
            guard setuid(0) != 0, seteuid(0) != 0 else {
                throw Failure(message: "--user \(user): root could be regained after dropping it; stopping")
            }
        }
    }

    private static func field(_ status: String, _ key: String) -> [String] {
        for line in status.split(separator: "\n") where line.hasPrefix(key) {
            return line.dropFirst(key.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        }
        return []
    }

    private static func read(_ path: String) -> String {
        guard let file = fopen(path, "r") else { return "" }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4_096)
        // Bounded: /proc status files are a few KiB.
        while bytes.count < 1 << 20 {
            let count = fread(&chunk, 1, chunk.count, file)
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk.prefix(count))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func readLink(_ path: String) -> String? {
        var target = [CChar](repeating: 0, count: 256)
        let length = readlink(path, &target, target.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: target.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func listDirectory(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        // Bounded by the directory: one entry per thread.
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    private static var lastError: String { String(cString: strerror(errno)) }
}
