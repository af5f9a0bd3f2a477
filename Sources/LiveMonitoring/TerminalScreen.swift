import Glibc
import InspectorCore
import Synchronization

/// The terminal the live view draws on: the alternate screen, redrawn in place, restored on the way out.
///
/// Each frame moves the cursor home and overwrites every line, clearing what is left of each (`ESC [K`) and
/// below the last (`ESC [J`): nothing is erased first, so the screen never flickers, and no line is wider than
/// the window or ends in a line feed on the last row, so it never scrolls. The frame goes out in one `write`.
/// Keyboard echo is turned off while the view is shown (Ctrl-C still interrupts). `restore()` is idempotent and
/// callable from any thread; call it on every way out.
package final class TerminalScreen: Sendable {
    package let descriptor: Int32
    private let saved: Locked<termios?>
    private let active = Atomic<Bool>(false)

    package init(descriptor: Int32 = 1) {
        self.descriptor = descriptor
        self.saved = Locked(nil)
    }

    /// Whether `descriptor` is a terminal (a live view makes sense there).
    package static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }

    /// Columns and rows of the window (`TIOCGWINSZ`); 80×24 when the descriptor is not a terminal.
    package func size() -> (columns: Int, rows: Int) {
        var window = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0, window.ws_row > 0 else {
            return (80, 24)
        }
        return (Int(window.ws_col), Int(window.ws_row))
    }

    /// Switches to the alternate screen, hides the cursor and stops keyboard echo.
    package func enter() {
        guard !active.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var settings = termios()
        if tcgetattr(descriptor, &settings) == 0 {
            saved.withLock { $0 = settings }
            var quiet = settings
            quiet.c_lflag &= ~tcflag_t(ECHO | ICANON)
            _ = tcsetattr(descriptor, TCSANOW, &quiet)
        }
        write("\u{1B}[?1049h\u{1B}[?25l\u{1B}[H\u{1B}[2J")
    }

    /// Draws `lines` (already fitted to the width, at most the height) over the previous frame.
    package func draw(_ lines: [String]) {
        guard active.load(ordering: .acquiring) else { return }
        var frame = "\u{1B}[H"
        for (index, line) in lines.enumerated() {
            frame += line
            frame += "\u{1B}[K"
            if index < lines.count - 1 { frame += "\r\n" }
        }
        frame += "\u{1B}[J"
        write(frame)
    }

    /// Shows the cursor, leaves the alternate screen and restores the keyboard settings. Safe to call twice.
    package func restore() {
        guard active.exchange(false, ordering: .acquiringAndReleasing) else { return }
        write("\u{1B}[?25h\u{1B}[?1049l")
        if let settings = saved.withLock({ $0 }) {
            var original = settings
            _ = tcsetattr(descriptor, TCSANOW, &original)
        }
    }

    private func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        // Bounded: each pass writes something or gives up (a closed terminal).
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { raw in
                Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
        bytes.removeAll()
    }
}
