package import Foundation

/// Where tests find files, relative to this checkout (never an absolute /work path): the repository, its fixtures,
/// and the shared real captures beside it (`../shared/captures`).
package enum RepositoryPaths {
    /// The checkout: this file is `Tests/TestSupport/RepositoryPaths.swift`.
    package static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    package static let fixtures = root.appendingPathComponent("Fixtures")
    package static let sharedCaptures = root.deletingLastPathComponent().appendingPathComponent("shared/captures")
    package static let testScripts = root.appendingPathComponent("Tests/Support")

    /// A shared capture by its path under `../shared/captures`.
    package static func sharedCapture(_ relativePath: String) -> URL {
        sharedCaptures.appendingPathComponent(relativePath)
    }
}
