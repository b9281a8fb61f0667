#include "net/tcp_info.h"

#include "lib/string.h"

#define US 1000ull /* ns per microsecond */
#define LINUX_TCP_CA_OPEN 0
#define LINUX_TCP_CA_RECOVERY 3
#define LINUX_TCP_CA_LOSS 4

static const uint8_t linux_state[] = {
	[TCP_CLOSED] = LINUX_TCP_CLOSE,
	[TCP_SYN_SENT] = LINUX_TCP_SYN_SENT,
	[TCP_SYN_RECEIVED] = LINUX_TCP_SYN_RECV,
	[TCP_ESTABLISHED] = LINUX_TCP_ESTABLISHED,
	[TCP_FIN_WAIT_1] = LINUX_TCP_FIN_WAIT1,
	[TCP_FIN_WAIT_2] = LINUX_TCP_FIN_WAIT2,
	[TCP_CLOSE_WAIT] = LINUX_TCP_CLOSE_WAIT,
	[TCP_CLOSING] = LINUX_TCP_CLOSING,
	[TCP_LAST_ACK] = LINUX_TCP_LAST_ACK,
	[TCP_TIME_WAIT] = LINUX_TCP_TIME_WAIT,
};

static uint32_t us32(uint64_t ns)
{
	uint64_t us = ns / US;
	return us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

/* Milliseconds since `then` (Linux's tcpi_last_*), 0 if it never was. */
static uint32_t ms_since(uint64_t now, uint64_t then)
{
	if (!then || then > now)
		return 0;
	uint64_t ms = (now - then) / 1000000;
	return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

static uint32_t segments(uint64_t bytes, uint32_t mss)
{
	return mss ? (uint32_t)((bytes + mss - 1) / mss) : 0;
}

void tcp_info_simple(enum linux_tcp_state state, uint32_t mss, struct tcp_info *out)
{
	memset(out, 0, sizeof(*out));
	out->tcpi_state = (uint8_t)state;
	out->tcpi_rto = us32(TCP_RTO_INITIAL_NS);
	out->tcpi_snd_mss = mss;
	out->tcpi_rcv_mss = mss;
	out->tcpi_advmss = mss;
	out->tcpi_snd_cwnd = 10;
	out->tcpi_snd_ssthresh = 0x7fffffff; /* TCP_INFINITE_SSTHRESH */
	out->tcpi_reordering = 3;
}

void tcp_conn_info(const struct tcp_conn *c, uint64_t now, uint32_t mtu, struct tcp_info *out)
{
	uint32_t mss = c->snd_mss ? c->snd_mss : TCP_MSS_DEFAULT;
	tcp_info_simple((enum linux_tcp_state)linux_state[c->state], mss, out);
	out->tcpi_ca_state = c->retries ? LINUX_TCP_CA_LOSS
			     : c->in_recovery ? LINUX_TCP_CA_RECOVERY : LINUX_TCP_CA_OPEN;
	out->tcpi_retransmits = (uint8_t)(c->retries > 255 ? 255 : c->retries);
	out->tcpi_backoff = out->tcpi_retransmits;
	out->tcpi_probes = (uint8_t)(c->probes > 255 ? 255 : c->probes);
	if (c->ts_ok)
		out->tcpi_options |= TCPI_OPT_TIMESTAMPS;
	if (c->snd_wscale || c->rcv_wscale) {
		out->tcpi_options |= TCPI_OPT_WSCALE;
		out->tcpi_wscale = (uint8_t)((c->snd_wscale & 15) | (c->rcv_wscale & 15) << 4);
	}
	out->tcpi_rto = us32(c->rto_ns);
	out->tcpi_ato = us32(TCP_DELACK_NS);
	out->tcpi_rcv_mss = c->rcv_mss ? c->rcv_mss : c->our_mss;
	out->tcpi_advmss = c->our_mss;
	uint32_t flight = c->snd_max - c->snd_una;
	out->tcpi_unacked = segments(flight, mss);
	out->tcpi_last_data_sent = ms_since(now, c->last_data_sent_ns);
	out->tcpi_last_data_recv = ms_since(now, c->last_data_recv_ns);
	out->tcpi_last_ack_recv = ms_since(now, c->last_ack_recv_ns);
	out->tcpi_pmtu = mtu;
	out->tcpi_rcv_ssthresh = (uint32_t)(c->rcv_buf > UINT32_MAX ? UINT32_MAX : c->rcv_buf);
	if (c->rtt_valid) {
		out->tcpi_rtt = us32(c->srtt_ns);
		out->tcpi_rttvar = us32(c->rttvar_ns);
	}
	out->tcpi_snd_cwnd = segments(c->cwnd, mss);
	if (c->ssthresh && c->ssthresh < 0x7fffffffu)
		out->tcpi_snd_ssthresh = segments(c->ssthresh, mss);
	out->tcpi_rcv_space = (uint32_t)(c->rcv_space > UINT32_MAX ? UINT32_MAX : c->rcv_space);
	out->tcpi_total_retrans = c->total_retrans;
	out->tcpi_bytes_acked = c->bytes_acked;
	out->tcpi_bytes_received = c->bytes_received;
	out->tcpi_segs_out = c->segs_out;
	out->tcpi_segs_in = c->segs_in;
	size_t unsent = c->slen > flight ? c->slen - flight : 0;
	out->tcpi_notsent_bytes = (uint32_t)(unsent > UINT32_MAX ? UINT32_MAX : unsent);
	out->tcpi_data_segs_in = c->data_segs_in;
	out->tcpi_data_segs_out = c->data_segs_out;
	out->tcpi_bytes_sent = c->bytes_sent;
	out->tcpi_bytes_retrans = c->bytes_retrans;
	out->tcpi_snd_wnd = c->snd_wnd;
}
