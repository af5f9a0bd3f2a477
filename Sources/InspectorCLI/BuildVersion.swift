import CBuildInfo

/// What `dubbo-inspect --version` prints: the release version and the commit the binary was built from.
///
/// `number` is the one place the version is written; scripts/package.sh reads it back from `--version`, so the
/// `.deb` and the binary cannot disagree. The commit comes from the build command (`DUBBO_INSPECT_COMMIT`, see
/// Package.swift), so stamping it changes no tracked file; a plain `swift build` says "unknown commit".
package enum BuildVersion {
    package static let number = "1.1.0"

    package static var commit: String { String(cString: dubbo_inspect_build_commit()) }

    /// `1.1.0 (commit 1a2b3c4d5e6f)`.
    package static var text: String { "\(number) (\(commit.hasPrefix("unknown") ? commit : "commit \(commit)"))" }
}
