/*
 * The kernel's one IPv4 reassembler (net/ip_reasm.h) on eth0's input: a
 * timer drops datagrams whose 30 s ran out, with an ICMP time exceeded
 * (fragment reassembly time exceeded, RFC 792) to the sender of one that
 * had its first fragment, as Linux does.
 */
#ifndef UPY_NET_IP_DEFRAG_H
#define UPY_NET_IP_DEFRAG_H

#include "net/ether.h"
#include "net/ip_reasm.h"
#include "net/ipv4.h"

/* A fragment for us that ipv4_input took (header checked into *h); a
 * datagram it completes goes back to ipv4_input whole. */
void ip_defrag_input(struct ether_dev *dev, const uint8_t *p, const struct ipv4_hdr *h);

/* The reassembler's counters (Linux's ReasmReqds, ReasmOKs, ...). */
const struct ip_reasm_stats *ip_defrag_stats(void);

#endif
