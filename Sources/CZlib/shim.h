#ifndef DUBBO_INSPECTOR_CZLIB_SHIM_H
#define DUBBO_INSPECTOR_CZLIB_SHIM_H
#include <zlib.h>
#endif
