// The scans are inline functions in include/byte_scan.h; SwiftPM wants a C target to have a source file.
#include "byte_scan.h"
