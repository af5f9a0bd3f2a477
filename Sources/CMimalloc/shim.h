#ifndef DUBBO_INSPECTOR_CMIMALLOC_SHIM_H
#define DUBBO_INSPECTOR_CMIMALLOC_SHIM_H
// Debian's libmimalloc-dev ships no pkg-config file. Linking the library is what replaces malloc (it exports
// malloc, free and the rest, found before the C library's); the header gives the version the binary reports.
#include <mimalloc.h>
#endif
