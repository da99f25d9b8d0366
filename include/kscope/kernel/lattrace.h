/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a latency tracer (irqsoff, preemptoff, preemptirqsoff, wakeup, wakeup_rt,
 * wakeup_dl) found: the kernel keeps the worst latency in tracing_max_latency and its
 * trace, with a header naming the task, the CPU and where the section started and
 * ended, in the top-level `trace` file. A new maximum shows as an inotify event on
 * tracing_max_latency (on kernels that send one; otherwise it is polled).
 */
#ifndef KSCOPE_KERNEL_LATTRACE_H
#define KSCOPE_KERNEL_LATTRACE_H

#include <stdbool.h>
#include <stddef.h>

struct ks_session;

struct ks_lat_hit {
	unsigned long long us;
	int cpu;			/* -1 if the header has none */
	char task[64];			/* "" if none */
	char started[128];		/* "" if none (the wakeup tracers' headers) */
	char ended[128];
	char *body;			/* the trace lines after the header, or NULL */
};

void ks_lat_hit_free(struct ks_lat_hit *h);
/*
 * Pull a `trace` file of a latency tracer apart (@text is changed). @head receives
 * the "# latency: ..." line, which tells two maxima apart. -ENODATA for a trace
 * without a latency.
 */
int ks_lat_parse(char *text, struct ks_lat_hit *h, char *head, size_t head_size);

struct ks_lat;

/* Watch the session's tracing_max_latency; @every: report each new latency, not only maxima. */
int ks_lat_open(struct ks_lat **out, struct ks_session *s, bool every);
void ks_lat_free(struct ks_lat *l);
/* The fd that becomes readable on a new maximum (-1: none, poll every ks_lat_timeout ms). */
int ks_lat_fd(const struct ks_lat *l);
int ks_lat_timeout(const struct ks_lat *l);
/*
 * After a wakeup (or a timeout): 1 and @h filled (the caller frees it) if the kernel
 * has a latency not reported yet, 0 if not.
 */
int ks_lat_poll(struct ks_lat *l, struct ks_lat_hit *h);

#endif
