/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which records of a trace.dat a reader wants: events named as for record -e
 * ("sys:event", "sys", "event", globs in either part), tasks by pid, and task names by
 * a glob. Event names are resolved once into a table by event id.
 */
#ifndef KSCOPE_TRACEDAT_EVFILTER_H
#define KSCOPE_TRACEDAT_EVFILTER_H

#include <stdbool.h>

#include <event-parse.h>

#include "kscope/base/util.h"

struct ks_evfilter_opts {
	const char *const *events;	/* none: every event */
	int nevents;
	const int *pids;		/* none: every task */
	int npids;
	const char *comm;		/* NULL: every name */
};

struct ks_evfilter;

/* -ENOENT (bad input) naming the first event pattern that matches nothing in @tep. */
int ks_evfilter_new(struct ks_evfilter **out, struct tep_handle *tep,
		    const struct ks_evfilter_opts *o, struct ks_err *err);
void ks_evfilter_free(struct ks_evfilter *f);
/* A NULL filter wants everything. */
bool ks_evfilter_test(const struct ks_evfilter *f, struct tep_handle *tep, struct tep_record *rec);

#endif
