/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fast event text: each event's print fmt is compiled once into a short list of
 * operations (literal text, integer field, string field) that format a record
 * without printf. The result is what tep_print_event(tep, s, rec, "%s",
 * TEP_PRINT_INFO) writes, byte for byte. Events the compiler does not handle
 * (plugin handlers, __print_symbolic, %p, '*' widths, expressions) are left to
 * libtraceevent, and the first records of every compiled event are also formatted
 * by libtraceevent and compared: on a difference the event goes back to
 * libtraceevent for good.
 */
#ifndef KSCOPE_TRACEDAT_EVFAST_H
#define KSCOPE_TRACEDAT_EVFAST_H

#include <stddef.h>
#include <event-parse.h>

/* Records per event that are checked against libtraceevent. */
#define KS_EVFAST_VERIFY	32

/* What ks_evfast_state() says about an event. */
enum {
	KS_EVFAST_NEW,		/* not seen yet */
	KS_EVFAST_FAST,		/* compiled, formatted here */
	KS_EVFAST_SLOW,		/* not compiled: libtraceevent formats it */
	KS_EVFAST_OFF,		/* compiled, but its output differed: libtraceevent */
};

struct ks_evfast_stats {
	unsigned long long fast;	/* records formatted here */
	unsigned long long verified;	/* ... of which compared with libtraceevent */
	unsigned long long slow;	/* records handed back (-EOPNOTSUPP, -EAGAIN, -ENOSPC) */
	int compiled;			/* events with a program */
	int unsupported;		/* events left to libtraceevent */
	int mismatched;			/* events switched off by a difference */
};

struct ks_evfast;

/* verify: records per event compared with libtraceevent (0: none, trust the compiler). */
struct ks_evfast *ks_evfast_new(struct tep_handle *tep, unsigned int verify);
void ks_evfast_free(struct ks_evfast *f);

/*
 * Writes the event text of @rec (event @ev) to @buf and returns its length, or
 * -EOPNOTSUPP (the event is libtraceevent's), -EAGAIN (this record is: e.g. a
 * field beyond its end) or -ENOSPC (the text may not fit in @cap bytes; an event
 * whose widths and literal text need more than a few KiB is never compiled).
 * @buf is not NUL-terminated.
 */
int ks_evfast_format(struct ks_evfast *f, struct tep_event *ev, struct tep_record *rec,
		     char *buf, size_t cap);

/* KS_EVFAST_*: compiles @ev if it was not seen yet. */
int ks_evfast_state(struct ks_evfast *f, struct tep_event *ev);
void ks_evfast_get_stats(const struct ks_evfast *f, struct ks_evfast_stats *st);

#endif
