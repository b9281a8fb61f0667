/*
 * TCP_INFO (tcp(7)): Linux's struct tcp_info as of 6.1, filled from one
 * connection's engine. Fields the engine keeps no account of (SACK,
 * pacing, delivery rate, busy times) are 0, as Linux gives for a
 * connection that never used them.
 */
#ifndef UPY_NET_TCP_INFO_H
#define UPY_NET_TCP_INFO_H

#include <stdint.h>

#include "net/tcp_conn.h"

/* Linux's TCP state numbers (include/net/tcp_states.h). */
enum linux_tcp_state {
	LINUX_TCP_ESTABLISHED = 1,
	LINUX_TCP_SYN_SENT,
	LINUX_TCP_SYN_RECV,
	LINUX_TCP_FIN_WAIT1,
	LINUX_TCP_FIN_WAIT2,
	LINUX_TCP_TIME_WAIT,
	LINUX_TCP_CLOSE,
	LINUX_TCP_CLOSE_WAIT,
	LINUX_TCP_LAST_ACK,
	LINUX_TCP_LISTEN,
	LINUX_TCP_CLOSING,
};

#define TCPI_OPT_TIMESTAMPS 1
#define TCPI_OPT_SACK 2
#define TCPI_OPT_WSCALE 4

struct tcp_info {
	uint8_t tcpi_state, tcpi_ca_state, tcpi_retransmits, tcpi_probes, tcpi_backoff;
	uint8_t tcpi_options;
	uint8_t tcpi_wscale;     /* snd_wscale in the low nibble, rcv_wscale in the high */
	uint8_t tcpi_app_limited;
	uint32_t tcpi_rto, tcpi_ato, tcpi_snd_mss, tcpi_rcv_mss;
	uint32_t tcpi_unacked, tcpi_sacked, tcpi_lost, tcpi_retrans, tcpi_fackets;
	uint32_t tcpi_last_data_sent, tcpi_last_ack_sent, tcpi_last_data_recv, tcpi_last_ack_recv;
	uint32_t tcpi_pmtu, tcpi_rcv_ssthresh, tcpi_rtt, tcpi_rttvar, tcpi_snd_ssthresh;
	uint32_t tcpi_snd_cwnd, tcpi_advmss, tcpi_reordering;
	uint32_t tcpi_rcv_rtt, tcpi_rcv_space, tcpi_total_retrans;
	uint64_t tcpi_pacing_rate, tcpi_max_pacing_rate, tcpi_bytes_acked, tcpi_bytes_received;
	uint32_t tcpi_segs_out, tcpi_segs_in;
	uint32_t tcpi_notsent_bytes, tcpi_min_rtt, tcpi_data_segs_in, tcpi_data_segs_out;
	uint64_t tcpi_delivery_rate;
	uint64_t tcpi_busy_time, tcpi_rwnd_limited, tcpi_sndbuf_limited;
	uint32_t tcpi_delivered, tcpi_delivered_ce;
	uint64_t tcpi_bytes_sent, tcpi_bytes_retrans;
	uint32_t tcpi_dsack_dups, tcpi_reord_seen, tcpi_rcv_ooopack, tcpi_snd_wnd;
};
_Static_assert(sizeof(struct tcp_info) == 232, "Linux 6.1's struct tcp_info");

/* c's state at time now, for a path of MTU mtu. */
void tcp_conn_info(const struct tcp_conn *c, uint64_t now, uint32_t mtu, struct tcp_info *out);
/* What a socket without an engine reports: a listener, an unconnected
 * socket, or a connection between two of the app's own sockets. */
void tcp_info_simple(enum linux_tcp_state state, uint32_t mss, struct tcp_info *out);

#endif
