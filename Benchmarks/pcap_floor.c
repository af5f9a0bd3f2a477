/* The floor: read every packet of a capture with pcap_next_ex and touch every byte. Nothing can be faster. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdint.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: pcap_floor FILE\n"); return 2; }
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *handle = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!handle) { fprintf(stderr, "pcap_floor: %s\n", errbuf); return 1; }
    struct pcap_pkthdr *header;
    const u_char *data;
    uint64_t packets = 0, bytes = 0, sum = 0;
    int status;
    while ((status = pcap_next_ex(handle, &header, &data)) == 1) {
        packets++;
        bytes += header->caplen;
        for (uint32_t i = 0; i < header->caplen; i++) sum += data[i];
    }
    pcap_close(handle);
    printf("%llu packets %llu bytes checksum %llu\n", (unsigned long long)packets, (unsigned long long)bytes,
           (unsigned long long)sum);
    return status == PCAP_ERROR ? 1 : 0;
}
