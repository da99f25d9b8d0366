/* SPDX-License-Identifier: GPL-2.0-only */
/* One line per event, laid out exactly like trace-cmd report, written through a big buffer. */
#ifndef KSCOPE_OUTPUT_EVPRINT_H
#define KSCOPE_OUTPUT_EVPRINT_H

#include <stdio.h>
#include <event-parse.h>
#include <trace-seq.h>

#include "kscope/tracedat/evftrace.h"

struct ks_evfast;

struct ks_printer {
	struct tep_handle *tep;
	struct ks_evfast *fast;	/* compiled event formats; NULL: libtraceevent only */
	struct ks_ftrace *ftrace;	/* function / function_graph text; NULL if none */
	struct ks_peek peek;	/* look-ahead for graph leaves (report); none when live */
	struct trace_seq seq;
	int time_mode;		/* KS_TIME_* */
	int fd;
	char *buf;
	size_t len;
	size_t cap;
	int error;		/* first write error, -errno */
};

enum { KS_TIME_USECS, KS_TIME_NSECS, KS_TIME_RAW };

/* Which timestamp layout a trace clock gets (trace-cmd: usecs for the ns clocks). */
int ks_printer_time_mode(const char *clock);
int ks_printer_init(struct ks_printer *p, struct tep_handle *tep, int fd, int time_mode);
void ks_printer_record(struct ks_printer *p, struct tep_record *rec);
/* With a look-ahead, a graph entry directly followed by its exit prints as "func();". */
void ks_printer_set_peek(struct ks_printer *p, const struct ks_peek *peek);
/* Appends raw text (headers, notes) in order with the events. */
void ks_printer_text(struct ks_printer *p, const char *text, size_t len);
int ks_printer_flush(struct ks_printer *p);
void ks_printer_free(struct ks_printer *p);

#endif
