/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Recording a profile into trace.dat. perf records become events of a "kscope"
 * event system (kscope:sample, kscope:mmap, kscope:comm, kscope:task, kscope:lost,
 * kscope:switch) whose formats are written into the file like the kernel's, and
 * whose records are written as ring-buffer pages per CPU: `trace-cmd report` lists
 * them next to any ftrace event, and the file holds everything needed to symbolize
 * it elsewhere (raw addresses, mappings with build-ids, comms, kallsyms).
 */
#ifndef KSCOPE_PROFILE_PROFREC_H
#define KSCOPE_PROFILE_PROFREC_H

#include <stdint.h>
#include <linux/perf_event.h>

#include "kscope/base/util.h"
#include "kscope/kernel/perf.h"

struct ks_evsel;
struct ks_profrec;

/* Event ids of the kscope system: far above what kernels hand out. */
enum {
	KS_PROF_ID_SAMPLE = 65000,
	KS_PROF_ID_MMAP,
	KS_PROF_ID_COMM,
	KS_PROF_ID_TASK,
	KS_PROF_ID_LOST,
	KS_PROF_ID_SWITCH,
	KS_PROF_ID_END,
};

/* The format texts of the kscope system (KS_PROF_ID_END - KS_PROF_ID_SAMPLE of them). */
const char *const *ks_profrec_formats(int *n);

struct ks_profrec_stats {
	uint64_t samples;		/* samples kept */
	uint64_t lost;			/* records the kernel dropped (ring full) */
	uint64_t lost_samples;		/* samples the kernel could not take */
	uint64_t throttled;		/* times the kernel throttled sampling */
	uint64_t truncated;		/* samples whose stack copy was cut to fit a page */
	uint64_t records;		/* everything kept, synthesized records included */
	uint64_t bytes;			/* perf record bytes read */
};

/*
 * @spool_dir: where the unnamed spool file goes (the output's directory).
 * @page_size: the trace.dat page size (large enough for the biggest sample).
 */
int ks_profrec_new(struct ks_profrec **out, struct ks_perf *perf, const char *spool_dir,
		   int page_size, struct ks_err *err);
void ks_profrec_free(struct ks_profrec *r);

/* A ks_perf_read() callback (@arg is the ks_profrec). */
int ks_profrec_add(void *arg, int cpu, const struct perf_event_header *h);

/*
 * What already runs: the comms of @pid's threads and its executable mappings
 * (with build-ids read from the files), stamped @ts on @cpu. A process that is gone
 * or hidden from us is skipped.
 */
int ks_profrec_synth_proc(struct ks_profrec *r, int pid, uint64_t ts, int cpu);
/* The same for every process (system-wide profiles). */
int ks_profrec_synth_all(struct ks_profrec *r, uint64_t ts, int cpu);

const struct ks_profrec_stats *ks_profrec_stats(const struct ks_profrec *r);

/*
 * A profile's settings: the file's KSCOPE_PROFILE option, "key=value" lines that
 * ks_prof_info() reads back (src/profile/prof.c).
 */
struct ks_profrec_meta {
	const char *machine;		/* uname -m */
	const char *clock;		/* the trace clock of the timestamps: "mono" or "perf" */
	uint64_t freq, period;		/* one of them is 0 */
	enum ks_perf_callgraph callgraph;
	uint32_t stack_size;		/* DWARF: bytes of stack per sample */
	uint64_t regs_mask;
	const char *target;		/* "system", "command" or "pids" */
	const struct ks_perf_evspec *events;
	int nevents;
	int offcpu_event;		/* index into events, or -1 */
	uint64_t start_ns, duration_ns;	/* CLOCK_MONOTONIC */
	uint64_t start_epoch_ns;	/* wall clock at start_ns */
	char *const *cmd;		/* the profiled command, or NULL */
};

/* The option's text (malloc'd), or NULL. */
char *ks_profrec_meta_text(const struct ks_profrec_meta *m);

/*
 * Write the trace.dat: headers and formats from @tracefs (plus @events' formats,
 * e.g. sched:sched_switch for decoding raw tracepoint samples), the kscope
 * formats, kallsyms, @meta as the KSCOPE_PROFILE option, and the pages.
 */
int ks_profrec_write(struct ks_profrec *r, int fd, const char *tracefs,
		     const struct ks_evsel *events, const struct ks_profrec_meta *meta,
		     int ncpus, struct ks_err *err);

/* The current time on @clock's perf clock, for stamping synthesized records. */
uint64_t ks_profrec_now(const char *clock);

#endif
