import Foundation

/// Progress on standard error: a one-line bar redrawn in place on a terminal; elsewhere (a CI
/// log, a file) one plain line per finished step, so logs show progress without control characters.
struct ProgressBar {
    let title: String
    let total: Int
    let enabled: Bool
    private let start = ContinuousClock.now

    init(title: String, total: Int) {
        self.title = title
        self.total = max(total, 1)
        self.enabled = isatty(STDERR_FILENO) == 1
    }

    /// Shows `done` of `total`, with a note such as the current loss or the model just finished.
    func update(_ done: Int, note: String = "") {
        let elapsed = seconds(since: start)
        guard enabled else {
            // Not a terminal: a line per finished step, none for the start.
            guard done > 0 else { return }
            let line = String(format: "%@ %d/%d %@ (%.1f s)\n", title, done, total, note, elapsed)
            FileHandle.standardError.write(Data(line.utf8))
            return
        }
        let width = 30
        let filled = min(width, width * done / total)
        let remaining = done > 0 ? elapsed * Double(total - done) / Double(done) : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        // Clear the line first, so a shorter redraw leaves no stale characters behind.
        let line = String(format: "\r\u{1B}[2K%@ %@ %d/%d %@ %.1fs, ~%.0fs left", title, bar, done, total, note, elapsed, remaining)
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Clears the bar's line.
    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
