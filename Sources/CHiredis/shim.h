#ifndef DUBBO_INSPECTOR_CHIREDIS_SHIM_H
#define DUBBO_INSPECTOR_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#endif
