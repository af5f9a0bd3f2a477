#ifndef DUBBO_INSPECTOR_CZOOKEEPER_SHIM_H
#define DUBBO_INSPECTOR_CZOOKEEPER_SHIM_H
// Debian's libzookeeper-mt-dev ships no pkg-config file; the header lives in /usr/include/zookeeper. THREADED
// exposes the synchronous calls of the multi-threaded library (zookeeper_mt), which is the one linked.
#ifndef THREADED
#define THREADED
#endif
#include <zookeeper/zookeeper.h>
#endif
