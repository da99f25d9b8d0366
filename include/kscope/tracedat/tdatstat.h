/* SPDX-License-Identifier: GPL-2.0-only */
/* What a trace.dat holds, counted: events per event and per CPU, time span, losses. */
#ifndef KSCOPE_TRACEDAT_TDATSTAT_H
#define KSCOPE_TRACEDAT_TDATSTAT_H

#include <stdbool.h>
#include <stdint.h>

#include "kscope/tracedat/evfilter.h"
#include "kscope/tracedat/tracedat.h"

struct ks_tdat_counts {
	uint64_t *per_id;		/* events of each event id, [0, max_id] */
	int max_id;
	uint64_t *per_cpu;		/* events of each CPU of the file */
	int ncpus;
	uint64_t events;		/* that passed the filter */
	uint64_t first_ts, last_ts;	/* of those */
	uint64_t drops;			/* lost, as the sub-buffers that were lossy count them */
	uint64_t unknown_drops;		/* lossy sub-buffers that did not count */
};

/*
 * Read the rest of @t, counting what @f (NULL: everything) wants. @progress, if
 * given, is called every million records. Returns 0, -ENOMEM, or the error where
 * the file turned out corrupted (the counts then cover the records before it).
 */
int ks_tdat_count(struct ks_tdat *t, const struct ks_evfilter *f, struct ks_tdat_counts *c,
		  void (*progress)(void *arg), void *arg);
void ks_tdat_counts_free(struct ks_tdat_counts *c);

/* Events a CPU's ring buffer lost while recording (the file's CPUSTAT option). */
bool ks_tdat_cpu_lost(struct ks_tdat *t, int cpu, uint64_t *lost);

#endif
