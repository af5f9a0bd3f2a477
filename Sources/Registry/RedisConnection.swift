internal import CHiredis
import Glibc

/// One blocking connection to one Redis node: the only code that touches hiredis (STYLE §11, "C behind one
/// door"). Every command passes `RedisCommand.checkAllowed` here before it is written, so only read commands
/// ever leave the process.
///
/// Connect, send and read all stop after the address's timeout: a Redis that hangs cannot hang the tool. After
/// any I/O error the connection is unusable (hiredis's rule); callers open a new one. Text from Redis (error
/// replies, hiredis messages) is scrubbed of the password before it is put in an error. Not thread-safe: one
/// owner at a time.
final class RedisConnection {
    let node: RedisNode
    private let context: UnsafeMutablePointer<redisContext>
    private let timeoutMilliseconds: Int
    private let limits: RegistryLimits
    /// Strings that must never appear in an error (the password).
    private var secrets: [String] = []

    /// Opens a TCP connection, or throws `.connectionFailed` naming the node.
    init(node: RedisNode, timeoutMilliseconds: Int, limits: RegistryLimits = .default) throws(RegistryError) {
        self.node = node
        self.timeoutMilliseconds = timeoutMilliseconds
        self.limits = limits
        let timeout = Self.timeval(milliseconds: timeoutMilliseconds)
        guard let context = redisConnectWithTimeout(node.host, Int32(clamping: node.port), timeout) else {
            throw .connectionFailed(node: node.description, reason: "cannot allocate a connection")
        }
        if context.pointee.err != 0 {
            let reason = Self.errorText(context)
            redisFree(context)
            throw .connectionFailed(node: node.description, reason: reason)
        }
        self.context = context
        _ = redisSetTimeout(context, timeout)
        _ = redisEnableKeepAlive(context)
    }

    deinit {
        redisFree(context)
    }

    /// `AUTH` (when there is a password) and `SELECT` (when the database is not 0), then `PING`, which is where a
    /// server that wants a password we do not have says so.
    func prepare(for address: RegistryAddress) throws(RegistryError) {
        if let password = address.password {
            secrets.append(password)
            let reply = try call(.auth(username: address.username, password: password))
            guard case .status = reply else {
                throw .authenticationFailed(node: node.description, reply: scrub(reply.message))
            }
        }
        if address.database != 0 {
            let reply = try call(.select(address.database))
            guard case .status = reply else {
                throw .databaseSelectFailed(
                    node: node.description, database: address.database, reply: scrub(reply.message))
            }
        }
        let reply = try call(.ping)
        switch reply {
        case .status, .string:
            return
        case .error(let text) where text.hasPrefix("NOAUTH") || text.hasPrefix("WRONGPASS"):
            throw .authenticationFailed(node: node.description, reply: scrub(text))
        default:
            throw .unexpectedReply(node: node.description, command: "PING", reply: scrub(reply.message))
        }
    }

    /// Sends a command and waits for its reply (at most the timeout). An error reply is returned, not thrown:
    /// what it means depends on the command.
    func call(_ command: RedisCommand) throws(RegistryError) -> RedisReply {
        try RedisCommand.checkAllowed(command)
        let raw = Self.withoutSIGPIPE {
            withArgv(command.words) { count, argv, lengths in
                redisCommandArgv(context, count, argv, lengths)
            }
        }
        guard let raw else { throw ioError(command) }
        return try take(raw, command: command)
    }

    /// Queues a command and writes it out without waiting for a reply (for a subscribed connection, whose
    /// replies are read with `nextReply`).
    func send(_ command: RedisCommand) throws(RegistryError) {
        try RedisCommand.checkAllowed(command)
        let status = withArgv(command.words) { count, argv, lengths in
            redisAppendCommandArgv(context, count, argv, lengths)
        }
        guard status == REDIS_OK else { throw ioError(command) }
        var done: Int32 = 0
        // Bounded: each pass writes some bytes or fails (the socket has a send timeout).
        while done == 0 {
            let status = Self.withoutSIGPIPE { redisBufferWrite(context, &done) }
            guard status == REDIS_OK else { throw ioError(command) }
        }
    }

    /// The next reply or pushed message, waiting at most `waitMilliseconds`; nil when nothing arrived in that
    /// time (the connection is still good). Used to follow a subscription while checking for a stop request.
    func nextReply(waitMilliseconds: Int32) throws(RegistryError) -> RedisReply? {
        if let buffered = try bufferedReply() { return buffered }
        var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, max(0, waitMilliseconds))
        if ready == 0 { return nil }
        if ready < 0 {
            if errno == EINTR { return nil }
            throw .connectionLost(node: node.description, reason: String(cString: strerror(errno)))
        }
        guard redisBufferRead(context) == REDIS_OK else { throw ioError(nil) }
        return try bufferedReply()
    }

    // MARK: hiredis plumbing

    private func bufferedReply() throws(RegistryError) -> RedisReply? {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReplyFromReader(context, &raw) == REDIS_OK else { throw ioError(nil) }
        guard let raw else { return nil }
        return try take(raw, command: nil)
    }

    /// Copies a reply tree into Swift values and frees it.
    private func take(_ raw: UnsafeMutableRawPointer, command: RedisCommand?) throws(RegistryError) -> RedisReply {
        defer { freeReplyObject(raw) }
        guard let reply = copy(raw.assumingMemoryBound(to: redisReply.self), depth: 0) else {
            throw .limitExceeded(
                node: node.description, what: "elements in one reply (\(command?.name ?? "pushed message"))",
                limit: limits.maxReplyElements
            )
        }
        if case .error(let text) = reply { return .error(scrub(text)) }
        return reply
    }

    /// nil when the reply is larger or deeper than the limits allow.
    private func copy(_ reply: UnsafeMutablePointer<redisReply>, depth: Int) -> RedisReply? {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STRING, REDIS_REPLY_STATUS, REDIS_REPLY_ERROR:
            var text = ""
            if let start = value.str, value.len > 0 {
                text = String(decoding: UnsafeRawBufferPointer(start: start, count: value.len), as: UTF8.self)
            }
            switch value.type {
            case REDIS_REPLY_STRING: return .string(text)
            case REDIS_REPLY_STATUS: return .status(text)
            default: return .error(text)
            }
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(value.integer))
        case REDIS_REPLY_NIL:
            return .null
        case REDIS_REPLY_ARRAY:
            guard depth < 4, value.elements <= limits.maxReplyElements else { return nil }
            guard let elements = value.element else { return .array([]) }
            var items: [RedisReply] = []
            items.reserveCapacity(value.elements)
            for index in 0..<value.elements {
                guard let element = elements[index] else {
                    items.append(.null)
                    continue
                }
                guard let item = copy(element, depth: depth + 1) else { return nil }
                items.append(item)
            }
            return .array(items)
        default:
            return .error("reply of unknown type \(value.type)")
        }
    }

    /// The error for a failed hiredis call: a timeout, the server closing, or another I/O error.
    private func ioError(_ command: RedisCommand?) -> RegistryError {
        let name = command?.name ?? "a reply"
        let code = context.pointee.err
        if code == REDIS_ERR_IO, errno == EAGAIN || errno == EWOULDBLOCK {
            return .timedOut(node: node.description, command: name)
        }
        if code == REDIS_ERR_EOF {
            return .connectionLost(node: node.description, reason: "the server closed the connection")
        }
        return .connectionLost(node: node.description, reason: scrub(Self.errorText(context)))
    }

    /// Runs `body` with SIGPIPE blocked on this thread and discards one it raised: hiredis writes with `write(2)`,
    /// and a write to a connection the server has closed must be an error, not the end of the process (the CLI
    /// keeps the default SIGPIPE action so that `read … | head` stops quietly).
    private static func withoutSIGPIPE<R>(_ body: () -> R) -> R {
        var pipeOnly = sigset_t()
        sigemptyset(&pipeOnly)
        sigaddset(&pipeOnly, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeOnly, &previous)
        var pending = sigset_t()
        sigpending(&pending)
        let alreadyPending = sigismember(&pending, SIGPIPE) == 1
        let result = body()
        if !alreadyPending {
            sigpending(&pending)
            if sigismember(&pending, SIGPIPE) == 1 {
                var immediately = timespec()
                _ = sigtimedwait(&pipeOnly, nil, &immediately)
            }
        }
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        return result
    }

    private func scrub(_ text: String) -> String {
        var text = text
        for secret in secrets where !secret.isEmpty {
            text = text.replacing(secret, with: "***")
        }
        return text
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return bytes.isEmpty ? "error \(context.pointee.err)" : String(decoding: bytes, as: UTF8.self)
        }
    }

    private static func timeval(milliseconds: Int) -> Glibc.timeval {
        Glibc.timeval(tv_sec: milliseconds / 1_000, tv_usec: (milliseconds % 1_000) * 1_000)
    }

    /// Calls `body` with C views of `words` (binary-safe: lengths are passed, not NUL-terminated strings).
    private func withArgv<R>(
        _ words: [String],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) -> R {
        let buffers = words.map { word -> UnsafeMutableBufferPointer<CChar> in
            let bytes = Array(word.utf8)
            let buffer = UnsafeMutableBufferPointer<CChar>.allocate(capacity: max(1, bytes.count))
            for (index, byte) in bytes.enumerated() { buffer[index] = CChar(bitPattern: byte) }
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        var pointers: [UnsafePointer<CChar>?] = buffers.map { UnsafePointer($0.baseAddress) }
        let lengths: [Int] = words.map { $0.utf8.count }
        return pointers.withUnsafeMutableBufferPointer { argv in
            lengths.withUnsafeBufferPointer { lengthPointer in
                guard let argvStart = argv.baseAddress, let lengthStart = lengthPointer.baseAddress else {
                    preconditionFailure("a command always has its name")
                }
                return body(Int32(words.count), argvStart, lengthStart)
            }
        }
    }
}
