/*
 * The /etc files that describe the network to glibc, generated from the
 * configuration eth0 got (net= or a DHCP lease) so that what the resolver
 * reads is what the stack uses: /etc/resolv.conf with the name servers,
 * /etc/hosts with the host name on eth0's address. The image's own files
 * stay unless they are the builder's placeholders (ETC_TEXT_MARKER first).
 * Portable: the host's unit tests check the text.
 */
#ifndef UPY_NET_ETC_TEXT_H
#define UPY_NET_ETC_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETC_TEXT_MARKER "# unipython: generated"

/* Whether a file that starts with these n bytes may be replaced. */
bool etc_text_replaceable(const char *head, size_t n);

/* The texts, into buf (cap bytes): their length, or 0 if cap is too small.
 * how names where the configuration came from ("net=", "DHCP"). */
size_t etc_resolv_conf(char *buf, size_t cap, const uint8_t (*dns)[4], int n_dns,
		       const char *how);
size_t etc_hosts(char *buf, size_t cap, const uint8_t addr[4], const char *hostname,
		 const char *how);

#endif
