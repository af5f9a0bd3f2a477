/// Finds gRPC length-prefixed messages (1 flag byte, 4-byte big-endian length, message) in the DATA of one
/// stream direction, however the DATA frames split them.
struct GRPCMessageReader {
    enum State {
        /// Collecting the 5-byte prefix; `have` bytes of it seen.
        case prefix(have: Int)
        /// Collecting a message of `length` bytes.
        case message(compressed: Bool, length: Int)
        /// Passing over the rest of a message longer than the limit.
        case skipping(remaining: Int)
        /// Bytes of this direction were lost: message boundaries are no longer known.
        case lost
    }

    enum Event {
        /// A prefix was read: one more message, `length` bytes long.
        case started(length: Int, tooLarge: Bool)
        /// A whole message (compressed flag, bytes).
        case message(compressed: Bool, UnsafeBufferPointer<UInt8>)
    }

    private(set) var state = State.prefix(have: 0)
    private var prefix: (UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0)
    private var collected: [UInt8] = []
    let maxLength: Int

    init(maxLength: Int) {
        self.maxLength = maxLength
    }

    /// Bytes held for a message spanning DATA frames.
    var bufferedBytes: Int { collected.count }

    /// Whether a message has begun and not ended.
    var isInsideMessage: Bool {
        switch state {
        case .prefix(let have): have > 0
        case .message, .skipping: true
        case .lost: false
        }
    }

    mutating func loseTrack() {
        state = .lost
        collected = []
    }

    mutating func feed(_ data: UnsafeBufferPointer<UInt8>, _ handle: (Event) -> Void) {
        var position = 0
        while position < data.count {
            switch state {
            case .lost:
                return
            case .prefix(var have):
                while have < 5, position < data.count {
                    withUnsafeMutableBytes(of: &prefix) { $0[have] = data[position] }
                    have += 1
                    position += 1
                }
                guard have == 5 else {
                    state = .prefix(have: have)
                    return
                }
                let length = Int(prefix.1) << 24 | Int(prefix.2) << 16 | Int(prefix.3) << 8 | Int(prefix.4)
                let tooLarge = length > maxLength
                handle(.started(length: length, tooLarge: tooLarge))
                if tooLarge {
                    state = length == 0 ? .prefix(have: 0) : .skipping(remaining: length)
                } else {
                    state = .message(compressed: prefix.0 & 1 != 0, length: length)
                }
                if !tooLarge, length == 0 {
                    let empty: [UInt8] = []
                    empty.withUnsafeBufferPointer { handle(.message(compressed: prefix.0 & 1 != 0, $0)) }
                    state = .prefix(have: 0)
                }
            case .message(let compressed, let length):
                let needed = length - collected.count
                let available = data.count - position
                if collected.isEmpty, available >= needed {
                    // Whole message inside this DATA frame: hand it over in place.
                    handle(.message(compressed: compressed, UnsafeBufferPointer(rebasing: data[position..<(position + needed)])))
                    position += needed
                    state = .prefix(have: 0)
                    continue
                }
                let take = min(needed, available)
                if collected.isEmpty { collected.reserveCapacity(min(length, 64 << 10)) }
                collected.append(contentsOf: UnsafeBufferPointer(rebasing: data[position..<(position + take)]))
                position += take
                if collected.count == length {
                    collected.withUnsafeBufferPointer { handle(.message(compressed: compressed, $0)) }
                    collected = []
                    state = .prefix(have: 0)
                }
            case .skipping(let remaining):
                let take = min(remaining, data.count - position)
                position += take
                state = take == remaining ? .prefix(have: 0) : .skipping(remaining: remaining - take)
            }
        }
    }
}
