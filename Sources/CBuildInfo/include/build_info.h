#ifndef DUBBO_INSPECT_BUILD_INFO_H
#define DUBBO_INSPECT_BUILD_INFO_H

/// The commit this binary was built from, as Package.swift was told (DUBBO_INSPECT_COMMIT), or "unknown commit".
/// A C function rather than a Swift constant: Swift has no way to take a value from the build command line, C has -D.
const char *dubbo_inspect_build_commit(void);

#endif
