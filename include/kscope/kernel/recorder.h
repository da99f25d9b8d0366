/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-CPU capture of trace_pipe_raw: one thread per CPU splices whole
 * sub-buffers into an anonymous spool file; no copy through user space.
 */
#ifndef KSCOPE_KERNEL_RECORDER_H
#define KSCOPE_KERNEL_RECORDER_H

#include <stdint.h>
#include "kscope/base/util.h"

struct tracefs_instance;
struct ks_rec;

/* @spool_dir: where spool files go (the output's directory, so copies stay on one fs). */
int ks_rec_start(struct ks_rec **out, struct tracefs_instance *inst, int ncpus,
		 const char *spool_dir, struct ks_err *err);
/* Bytes captured so far on @cpu, or on all CPUs when @cpu < 0. Thread-safe. */
uint64_t ks_rec_bytes(struct ks_rec *r, int cpu);
/* The first write error of any CPU thread (-ENOSPC, -EIO), 0 if none. Thread-safe. */
int ks_rec_error(struct ks_rec *r);
/* An fd that becomes readable when a CPU thread stops on an error. */
int ks_rec_error_fd(struct ks_rec *r);
/* Wake the threads, drain what is left in the ring buffers, join. Tracing must be off. */
int ks_rec_stop(struct ks_rec *r);
/* After stop: the spool fd of @cpu and its size (a multiple of the sub-buffer size). */
int ks_rec_spool(struct ks_rec *r, int cpu, uint64_t *size);
int ks_rec_page_size(struct ks_rec *r);
void ks_rec_free(struct ks_rec *r);


/* per_cpu/cpuN/stats of a ring buffer. */
struct ks_cpustats {
	uint64_t entries;
	uint64_t overrun;
	uint64_t commit_overrun;
	uint64_t bytes;
	uint64_t dropped;
	uint64_t read;
};

/* Parses the text of a stats file (as stored in trace.dat's CPUSTAT option too). */
void ks_cpustats_parse(const char *text, struct ks_cpustats *st);
/* Every CPU's stats of @inst (NULL: the top level) into @st[ncpus]; returns the events lost. */
uint64_t ks_cpustats_read(struct tracefs_instance *inst, int ncpus, struct ks_cpustats *st);
/* Events that never reached a reader: overwritten, dropped or lost in a commit race. */
static inline uint64_t ks_cpustats_lost(const struct ks_cpustats *st)
{
	return st->overrun + st->commit_overrun + st->dropped;
}

#endif
