#ifndef DUBBO_INSPECTOR_CPCAP_SHIM_H
#define DUBBO_INSPECTOR_CPCAP_SHIM_H
#include <pcap/pcap.h>
#endif
