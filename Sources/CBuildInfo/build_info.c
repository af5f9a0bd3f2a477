#include "build_info.h"

#ifndef DUBBO_INSPECT_COMMIT
#define DUBBO_INSPECT_COMMIT "unknown commit"
#endif

const char *dubbo_inspect_build_commit(void) { return DUBBO_INSPECT_COMMIT; }
