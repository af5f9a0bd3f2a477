import Foundation


/// Runs `promtool check metrics` (Debian's `prometheus` package) on an exposition; returns its exit status and
/// what it printed. A missing promtool fails the calling test: the check must really run.
package func promtoolCheck(_ exposition: String) throws -> (status: Int32, output: String) {
    let candidates = ["/usr/bin/promtool", "/usr/local/bin/promtool"]
    guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw PromtoolMissing()
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = ["check", "metrics"]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = output
    try process.run()
    input.fileHandleForWriting.write(Data(exposition.utf8))
    try input.fileHandleForWriting.close()
    let printed = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: printed, as: UTF8.self))
}

package struct PromtoolMissing: Error, CustomStringConvertible {
    package init() {}
    package var description: String { "promtool is not installed (apt-get install prometheus); the exposition cannot be checked" }
}
